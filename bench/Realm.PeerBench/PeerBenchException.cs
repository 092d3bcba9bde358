// A user-facing error: printed as one line, exit code 1, no stack trace.
namespace Realm.PeerBench;

internal sealed class PeerBenchException(string message) : Exception(message);
