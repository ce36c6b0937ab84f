import { Injectable } from '@nestjs/common';
import { randomBytes, scrypt, timingSafeEqual } from 'crypto';
import { promisify } from 'util';

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, length: number) => Promise<Buffer>;

/** A stored user: the name and an scrypt hash of the password with its own salt. */
interface StoredUser {
  username: string;
  salt: Buffer;
  hash: Buffer;
}

/** The signed-in user as Passport hands it to the app (req.user): its name only. */
export interface SignedInUser {
  username: string;
}

/**
 * The app's users, kept in memory (an interop peer needs nothing more), passwords checked its own way: node's scrypt,
 * not VisitTracker's PasswordHasher. So a user exists in both apps only when created in both, each with its own hash.
 */
@Injectable()
export class UsersService {
  private static readonly KeyLength = 32;
  private readonly users = new Map<string, StoredUser>();
  // Unknown names are checked against this, so a wrong name costs one scrypt like a wrong password.
  private readonly dummy: Promise<StoredUser> = UsersService.hash('', 'not a password');

  /** Creates the user; false when the name is taken. */
  async register(username: string, password: string): Promise<boolean> {
    if (this.users.has(username)) {
      return false;
    }
    const user = await UsersService.hash(username, password);
    if (this.users.has(username)) {
      return false;
    }
    this.users.set(username, user);
    return true;
  }

  /** The user when the name and password match; null otherwise (one scrypt either way). */
  async verify(username: string, password: string): Promise<SignedInUser | null> {
    const user = this.users.get(username);
    const stored = user ?? (await this.dummy);
    const hash = await scryptAsync(password, stored.salt, UsersService.KeyLength);
    return user && timingSafeEqual(hash, stored.hash) ? { username: user.username } : null;
  }

  /** Whether the user exists (Passport's deserializeUser asks on every request). */
  exists(username: string): boolean {
    return this.users.has(username);
  }

  private static async hash(username: string, password: string): Promise<StoredUser> {
    const salt = randomBytes(16);
    return { username, salt, hash: await scryptAsync(password, salt, UsersService.KeyLength) };
  }
}
