namespace Realm.Tests;
