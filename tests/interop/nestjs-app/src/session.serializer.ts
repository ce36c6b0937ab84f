import { Injectable } from '@nestjs/common';
import { PassportSerializer } from '@nestjs/passport';
import { SignedInUser, UsersService } from './users.service';

/**
 * What Passport keeps in the session: `passport: { user: "<name>" }`, the user's NAME as a string. VisitTracker's
 * scheme writes and reads the same layout, which is what keeps a user signed in across the two apps.
 */
@Injectable()
export class SessionSerializer extends PassportSerializer {
  constructor(private readonly users: UsersService) {
    super();
  }

  serializeUser(user: SignedInUser, done: (err: Error | null, name?: string) => void): void {
    done(null, user.username);
  }

  // A name this app does not know (the user was never created here) is anonymous: Passport drops it from the session.
  deserializeUser(name: string, done: (err: Error | null, user?: SignedInUser | false) => void): void {
    done(null, typeof name === 'string' && this.users.exists(name) ? { username: name } : false);
  }
}
