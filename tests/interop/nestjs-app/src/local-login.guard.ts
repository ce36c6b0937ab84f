import { ExecutionContext, Injectable } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';

/**
 * Checks the credentials with the local strategy, then signs the user in to the session (req.logIn). Passport 0.7
 * regenerates the session at login; `keepSessionInfo: true` carries the session's data (the visit count) over to the
 * new ID, as VisitTracker's sign-in does.
 */
@Injectable()
export class LocalLoginGuard extends AuthGuard('local') {
  async canActivate(context: ExecutionContext): Promise<boolean> {
    await super.canActivate(context);
    const request = context.switchToHttp().getRequest();
    await new Promise<void>((resolve, reject) =>
      request.logIn(request.user, { keepSessionInfo: true }, (err: unknown) => (err ? reject(err) : resolve())),
    );
    return true;
  }
}
