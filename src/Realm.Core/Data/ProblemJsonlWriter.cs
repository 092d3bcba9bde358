namespace Realm.Data;

/// <summary>
/// Appends problems to a JSONL file one complete line at a time, for long jobs (a teacher writing
/// routes for hours) that must keep what they produced if they are killed. Each line is flushed to disk
/// as it is written, so a crash loses at most the line being written; <see cref="ProblemJsonl.Read"/>
/// reports that partial line as a bad line rather than losing it silently.
/// </summary>
public sealed class ProblemJsonlWriter : IDisposable
{
    private readonly FileStream _stream;

    /// <summary>Opens <paramref name="path"/> for appending, creating it (and its directory) if needed.</summary>
    public ProblemJsonlWriter(string path)
    {
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            _stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
            // A partial last line (from a killed run) must not swallow the first line appended now.
            if (_stream.Length > 0)
            {
                _stream.Seek(-1, SeekOrigin.End);
                bool endsWithNewline = _stream.ReadByte() == '\n';
                if (!endsWithNewline) _stream.WriteByte((byte)'\n');
            }
            _stream.Seek(0, SeekOrigin.End);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RealmException($"{path}: cannot open for appending: {e.Message}", e);
        }
    }

    public void Append(Problem problem)
    {
        ProblemJsonl.WriteLines(_stream, [problem]);
        _stream.Flush(flushToDisk: true);
    }

    public void Dispose() => _stream.Dispose();
}
