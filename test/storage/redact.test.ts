// Messages and files never show a storage password, however the URL carries it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { redactUrl, storageUrlFrom } from '../../src/storage/index.js';

test('redactUrl leaves out the password of user:password@, of ?password= and of text that is no URL', () => {
  const cases: [string, string][] = [
    ['postgres://tuner:secret@db.lan:5432/studies', 'postgres://tuner@db.lan:5432/studies'],
    ['postgres://tuner@db.lan/studies?password=secret', 'postgres://tuner@db.lan/studies'],
    [
      'postgres://tuner@db.lan/studies?sslmode=require&password=secret',
      'postgres://tuner@db.lan/studies?sslmode=require',
    ],
    ['postgres:/tuner:secret@db.lan/studies', 'postgres:/tuner@db.lan/studies'],
    ['mysql://u:secret@db/x', 'mysql://u@db/x'],
    // a password with a / # ? or space that is not percent-encoded makes it no URL: still left out, whole
    ['postgres://tuner:se/cret@db.lan:5432/studies', 'postgres://tuner@db.lan:5432/studies'],
    ['postgres://tuner:se#cret@db.lan/studies', 'postgres://tuner@db.lan/studies'],
    ['postgres://tuner:se cret/x@db.lan/studies', 'postgres://tuner@db.lan/studies'],
    ['postgresql://tuner:secret@db.lan:99999/studies', 'postgresql://tuner@db.lan:99999/studies'],
    ['postgres://tuner@db.lan/studies', 'postgres://tuner@db.lan/studies'],
    ['sqlite:/tmp/seqtune.db', 'sqlite:/tmp/seqtune.db'],
  ];
  for (const [url, shown] of cases) {
    assert.equal(redactUrl(url), shown, url);
    assert.ok(!redactUrl(url).includes('secret'), url);
  }
});

test("a config's storage of another kind stays as written (openStorage refuses it), never a SQLite file of that name", () => {
  assert.equal(storageUrlFrom('mysql:x', '/cfg'), 'mysql:x');
  assert.equal(storageUrlFrom('postgres:/u@h/db', '/cfg'), 'postgres:/u@h/db');
  assert.equal(storageUrlFrom('sqlite:s.db', '/cfg'), 'sqlite:/cfg/s.db');
  assert.equal(storageUrlFrom('s.db', '/cfg'), 'sqlite:/cfg/s.db');
});
