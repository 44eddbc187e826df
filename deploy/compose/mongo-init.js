// Initiates the compose stack's replica set rs0 (once; a second run finds it initiated) and
// waits until it has a primary, so the config service starts against a writable set.
const members = ['mongo-1:27017', 'mongo-2:27017', 'mongo-3:27017'].map((host, _id) => ({ _id, host }));
try {
  rs.status();
} catch (error) {
  if (error.codeName !== 'NotYetInitialized') throw error;
  rs.initiate({ _id: 'rs0', members });
}
for (let i = 0; i < 120 && !db.hello().isWritablePrimary && !db.hello().primary; i++) sleep(500);
if (!db.hello().primary) throw new Error('replica set rs0 has no primary after 60 s');
print(`replica set rs0 ready, primary ${db.hello().primary}`);
