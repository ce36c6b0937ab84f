import { Body, Controller, Get, HttpCode, HttpStatus, Post, Req, Res, Session, UseGuards } from '@nestjs/common';
import { LocalLoginGuard } from './local-login.guard';
import { UsersService } from './users.service';

/**
 * Sign-in with Passport (passport-local, sessions): POST /register creates a user, POST /login signs in, POST /logout
 * signs out, GET /whoami tells who is signed in and counts the visit as the seed's page does. Bodies are JSON or
 * forms, answers JSON. No CSRF protection: this app is a test peer on loopback, not an example to deploy.
 */
@Controller()
export class AuthController {
  constructor(private readonly users: UsersService) {}

  @Post('register')
  async register(@Body() body: Record<string, unknown>, @Res() res) {
    const { username, password } = body ?? {};
    if (typeof username !== 'string' || typeof password !== 'string' || username.trim() === '' || password === '') {
      return res.status(HttpStatus.BAD_REQUEST).json({ error: 'username and password are required.' });
    }
    if (!(await this.users.register(username, password))) {
      return res.status(HttpStatus.CONFLICT).json({ error: 'The user name is taken.' });
    }
    return res.status(HttpStatus.CREATED).json({ user: username });
  }

  @Post('login')
  @HttpCode(HttpStatus.OK)
  @UseGuards(LocalLoginGuard)
  login(@Req() req) {
    return { user: req.user.username };
  }

  @Post('logout')
  @HttpCode(HttpStatus.OK)
  async logout(@Req() req) {
    await new Promise<void>((resolve, reject) => req.logout((err: unknown) => (err ? reject(err) : resolve())));
    return { user: null };
  }

  @Get('whoami')
  whoami(@Req() req, @Session() session: Record<string, any>) {
    session.visits = session.visits ? session.visits + 1 : 1;
    return { user: req.user?.username ?? null, visits: session.visits };
  }
}
