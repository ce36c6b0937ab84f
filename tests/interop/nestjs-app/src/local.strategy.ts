import { Injectable, UnauthorizedException } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-local';
import { SignedInUser, UsersService } from './users.service';

/** passport-local: the fields `username` and `password` of a JSON or form body, checked by UsersService. */
@Injectable()
export class LocalStrategy extends PassportStrategy(Strategy) {
  constructor(private readonly users: UsersService) {
    super();
  }

  async validate(username: string, password: string): Promise<SignedInUser> {
    const user = await this.users.verify(username, password);
    if (!user) {
      throw new UnauthorizedException('The user name or password is wrong.');
    }
    return user;
  }
}
