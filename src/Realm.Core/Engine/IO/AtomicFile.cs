using System.Security.Cryptography;
using System.Text;

namespace Realm.Engine.IO;

/// <summary>
/// Writes files and publishes directories so that a reader (or a restarted run) sees either the old
/// content or the new one, never a half-written file: a checkpoint interrupted by a crash or Ctrl+C
/// must not destroy the previous good one.
/// </summary>
public static class AtomicFile
{
    /// <summary>
    /// Writes <paramref name="path"/> through a temporary file in the same directory (so the final
    /// rename stays on one file system), flushed to disk before it replaces the old file. If
    /// <paramref name="write"/> throws, the old file is untouched and the temporary file is removed.
    /// </summary>
    public static void Write(string path, Action<Stream> write)
    {
        string fullPath = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(fullPath)!;
        string tempPath = Path.Combine(directory, $"{Path.GetFileName(fullPath)}.tmp-{RandomSuffix()}");
        try
        {
            Directory.CreateDirectory(directory);
            using (var stream = new FileStream(tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(tempPath, fullPath, overwrite: true);
        }
        catch (Exception e)
        {
            TryDelete(tempPath);
            if (e is IOException or UnauthorizedAccessException)
                throw new RealmException($"{path}: cannot write: {e.Message}", e);
            throw;
        }
    }

    public static void WriteAllText(string path, string text) =>
        Write(path, stream => stream.Write(new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(text)));

    public static void WriteAllBytes(string path, byte[] bytes) => Write(path, stream => stream.Write(bytes));

    /// <summary>
    /// Publishes <paramref name="tempDir"/>, already fully written, as <paramref name="finalDir"/>.
    /// A directory cannot be renamed over another one, so the old <paramref name="finalDir"/> is first
    /// renamed to <c>&lt;finalDir&gt;.old</c>, then tempDir takes its place, then the backup is deleted.
    /// Whatever step a crash interrupts, one complete copy survives: either finalDir, or the backup that
    /// <see cref="RecoverDirectory"/> (called here first, and by readers before they load) renames back.
    /// Both directories must be on the same file system, ideally siblings.
    /// </summary>
    public static void ReplaceDirectory(string tempDir, string finalDir)
    {
        string temp = NormalizeDirectory(tempDir);
        string final = NormalizeDirectory(finalDir);
        string backup = BackupPathFor(final);
        try
        {
            if (!Directory.Exists(temp)) throw new RealmException($"{tempDir}: directory not found");
            RecoverDirectory(final);
            if (Directory.Exists(final)) Directory.Move(final, backup);
            Directory.Move(temp, final);
            if (Directory.Exists(backup)) Directory.Delete(backup, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RealmException($"{finalDir}: cannot replace with {tempDir}: {e.Message}", e);
        }
    }

    /// <summary>
    /// Repairs what an interrupted <see cref="ReplaceDirectory"/> left behind: restores the backup when
    /// <paramref name="finalDir"/> is missing (the crash came between the two renames), or deletes a
    /// stale backup when finalDir is present (the crash came after them). Returns true if it restored.
    /// </summary>
    public static bool RecoverDirectory(string finalDir)
    {
        string final = NormalizeDirectory(finalDir);
        string backup = BackupPathFor(final);
        try
        {
            if (!Directory.Exists(backup)) return false;
            if (Directory.Exists(final))
            {
                Directory.Delete(backup, recursive: true);
                return false;
            }
            Directory.Move(backup, final);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RealmException($"{finalDir}: cannot recover from {backup}: {e.Message}", e);
        }
    }

    // Cleanup must not hide the exception that made it necessary.
    private static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    internal static string BackupPathFor(string finalDir) => NormalizeDirectory(finalDir) + ".old";

    private static string NormalizeDirectory(string directory) =>
        Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory));

    private static string RandomSuffix() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
}
