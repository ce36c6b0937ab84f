import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { join } from 'path';
import * as session from 'express-session';
import * as hbs from 'hbs';
import * as passport from 'passport';
import { RedisStore } from 'connect-redis';
import { createClient } from 'redis';
import { AppModule } from './app.module';

// The seed's bootstrap, as the peer VisitTracker's interop tests run beside it. Environment: PORT (3000), HOST
// (127.0.0.1), SESSION_SECRET ('my-secret', as in the seed), SESSION_NAME ('connect.sid'), REDIS_URL (unset:
// express-session's MemoryStore; set: connect-redis, keys 'sess:<id>', the layout VisitTracker's Redis store shares).
// Passport's local strategy signs users in to the session as `passport: { user: "<name>" }`, as VisitTracker does.
async function bootstrap() {
  let store: session.Store | undefined;
  if (process.env.REDIS_URL) {
    const client = createClient({ url: process.env.REDIS_URL });
    client.on('error', (err) => console.error('redis error', err));
    await client.connect();
    store = new RedisStore({ client, prefix: 'sess:' });
  }

  const app = await NestFactory.create<NestExpressApplication>(AppModule, { logger: ['error', 'warn'] });
  app.setBaseViewsDir(join(__dirname, '..', 'views'));
  app.setViewEngine('hbs');
  hbs.registerPartials(join(__dirname, '..', 'views/partials'));
  app.set('trust proxy', 1);
  app.use(
    session({
      store,
      name: process.env.SESSION_NAME ?? 'connect.sid',
      secret: process.env.SESSION_SECRET ?? 'my-secret',
      resave: false,
      saveUninitialized: false,
      // the seed writes 'Lax'; express-session's types only admit lower case, the cookie is the same
      cookie: { secure: false, sameSite: 'lax' },
    }),
  );
  // Passport reads the signed-in user from the session (passport.user, the user's name) on every request: see
  // SessionSerializer, LocalStrategy and AuthController for /register, /login, /logout and /whoami.
  app.use(passport.initialize());
  app.use(passport.session());
  app.useStaticAssets(join(__dirname, '..', 'public'));
  await app.listen(Number(process.env.PORT ?? 3000), process.env.HOST ?? '127.0.0.1');
}
bootstrap();
