using System.Text;
using Realm.Data;

namespace Realm.Teacher;

/// <summary>
/// The output file of a collection, append-only: one flushed line per finished problem. Opening it
/// again resumes: the problems already there are known (and skipped by the caller), and a last line
/// torn by a kill is dropped (or, if it is a whole problem that only lacks its newline, kept), so the
/// file never holds a broken line or a problem twice.
/// </summary>
internal sealed class ResumableOutput : IDisposable
{
    private readonly ProblemJsonlWriter _writer;
    private readonly object _gate = new();

    private ResumableOutput(ProblemJsonlWriter writer, HashSet<string> done, bool droppedTornLine)
    {
        _writer = writer;
        Done = done;
        DroppedTornLine = droppedTornLine;
    }

    /// <summary>Ids of the problems the file held when opened.</summary>
    public IReadOnlySet<string> Done { get; }

    /// <summary>Whether an unfinished last line (from a killed run) was removed.</summary>
    public bool DroppedTornLine { get; }

    public static ResumableOutput Open(string path)
    {
        bool dropped = File.Exists(path) && RepairTail(path);
        var done = new HashSet<string>(StringComparer.Ordinal);
        if (File.Exists(path))
            foreach (var problem in ProblemJsonl.Read(path).Problems)
                if (!done.Add(problem.Id)) throw new RealmException($"{path}: problem '{problem.Id}' appears twice; the file was not written by one collection");
        return new ResumableOutput(new ProblemJsonlWriter(path), done, dropped);
    }

    public void Append(Problem problem)
    {
        lock (_gate) _writer.Append(problem);
    }

    // Lines are flushed whole, so only the last can be unfinished: drop it unless it is a whole problem.
    private static bool RepairTail(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        if (stream.Length == 0) return false;
        long end = stream.Length;
        stream.Seek(-1, SeekOrigin.End);
        if (stream.ReadByte() == '\n') return false;
        long start = end - 1;
        while (start > 0)
        {
            stream.Seek(start - 1, SeekOrigin.Begin);
            if (stream.ReadByte() == '\n') break;
            start--;
        }
        var tail = new byte[end - start];
        stream.Seek(start, SeekOrigin.Begin);
        stream.ReadExactly(tail);
        if (ProblemJsonl.TryParse(Encoding.UTF8.GetString(tail), out _, out _))
        {
            stream.Seek(0, SeekOrigin.End);
            stream.WriteByte((byte)'\n');
            stream.Flush(flushToDisk: true);
            return false;
        }
        stream.SetLength(start);
        stream.Flush(flushToDisk: true);
        return true;
    }

    public void Dispose() => _writer.Dispose();
}
