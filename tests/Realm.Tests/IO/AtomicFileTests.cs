using Realm.Engine.IO;

namespace Realm.Tests.IO;

public class AtomicFileTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Write_CreatesTheFile_AndLeavesNoTemporaryFile()
    {
        string path = _temp.File("out.bin");
        AtomicFile.Write(path, stream => stream.Write([1, 2, 3]));

        Assert.Equal([1, 2, 3], File.ReadAllBytes(path));
        Assert.Equal(["out.bin"], _temp.Entries());
    }

    [Fact]
    public void Write_ReplacesAnExistingFile()
    {
        string path = _temp.File("out.txt");
        File.WriteAllText(path, "old content that is longer");
        AtomicFile.WriteAllText(path, "new");

        Assert.Equal("new", File.ReadAllText(path));
        Assert.Equal(["out.txt"], _temp.Entries());
    }

    [Fact]
    public void Write_WhenTheWriterThrows_KeepsTheOldFile_AndRemovesTheTemporaryFile()
    {
        string path = _temp.File("checkpoint.bin");
        File.WriteAllBytes(path, [9, 9]);

        var thrown = Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, stream =>
        {
            stream.Write([1, 2, 3, 4]);
            throw new InvalidOperationException("disk on fire");
        }));

        Assert.Equal("disk on fire", thrown.Message);
        Assert.Equal([9, 9], File.ReadAllBytes(path));
        Assert.Equal(["checkpoint.bin"], _temp.Entries());
    }

    [Fact]
    public void Write_CreatesAMissingParentDirectory()
    {
        string path = Path.Combine(_temp.Path, "a", "b", "c.txt");
        AtomicFile.WriteAllText(path, "x");
        Assert.Equal("x", File.ReadAllText(path));
    }

    [Fact]
    public void Write_IntoAPathBlockedByAFile_NamesThePath()
    {
        string blocker = _temp.File("blocker");
        File.WriteAllText(blocker, "");
        string path = Path.Combine(blocker, "out.txt");

        var error = Assert.Throws<RealmException>(() => AtomicFile.WriteAllText(path, "x"));
        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void WriteAllText_WritesUtf8WithoutByteOrderMark()
    {
        string path = _temp.File("t.txt");
        AtomicFile.WriteAllText(path, "é");
        Assert.Equal([0xC3, 0xA9], File.ReadAllBytes(path));
    }

    [Fact]
    public void WriteAllBytes_WritesTheBytes()
    {
        string path = _temp.File("b.bin");
        AtomicFile.WriteAllBytes(path, [7, 0, 255]);
        Assert.Equal([7, 0, 255], File.ReadAllBytes(path));
    }

    [Fact]
    public void ReplaceDirectory_PublishesTheNewContent_AndRemovesTempAndBackup()
    {
        string final = MakeDirectory("ckpt", "old");
        string temp = MakeDirectory("ckpt.tmp", "new");

        AtomicFile.ReplaceDirectory(temp, final);

        Assert.Equal("new", File.ReadAllText(Path.Combine(final, "marker.txt")));
        Assert.Equal(["ckpt"], _temp.Entries());
    }

    [Fact]
    public void ReplaceDirectory_WhenTheFinalDirectoryDoesNotExistYet_JustMovesIt()
    {
        string temp = MakeDirectory("ckpt.tmp", "new");
        string final = _temp.File("ckpt");

        AtomicFile.ReplaceDirectory(temp, final);

        Assert.Equal("new", File.ReadAllText(Path.Combine(final, "marker.txt")));
        Assert.Equal(["ckpt"], _temp.Entries());
    }

    [Fact]
    public void ReplaceDirectory_WithAMissingTempDirectory_NamesIt()
    {
        string temp = _temp.File("nothing-here");
        var error = Assert.Throws<RealmException>(() => AtomicFile.ReplaceDirectory(temp, _temp.File("ckpt")));
        Assert.Contains(temp, error.Message);
        Assert.Contains("not found", error.Message);
    }

    [Fact]
    public void RecoverDirectory_AfterACrashBetweenTheRenames_RestoresTheBackup()
    {
        // State left by a crash after "final -> backup" and before "temp -> final".
        string final = _temp.File("ckpt");
        MakeDirectory("ckpt.old", "old");

        Assert.True(AtomicFile.RecoverDirectory(final));

        Assert.Equal("old", File.ReadAllText(Path.Combine(final, "marker.txt")));
        Assert.Equal(["ckpt"], _temp.Entries());
    }

    [Fact]
    public void RecoverDirectory_AfterACrashBeforeTheBackupWasDeleted_DropsTheStaleBackup()
    {
        string final = MakeDirectory("ckpt", "new");
        MakeDirectory("ckpt.old", "old");

        Assert.False(AtomicFile.RecoverDirectory(final));

        Assert.Equal("new", File.ReadAllText(Path.Combine(final, "marker.txt")));
        Assert.Equal(["ckpt"], _temp.Entries());
    }

    [Fact]
    public void RecoverDirectory_WithNothingToRecover_ChangesNothing()
    {
        string final = MakeDirectory("ckpt", "current");
        Assert.False(AtomicFile.RecoverDirectory(final));
        Assert.Equal("current", File.ReadAllText(Path.Combine(final, "marker.txt")));
    }

    [Fact]
    public void ReplaceDirectory_AfterAnInterruptedReplace_StillPublishesTheNewContent()
    {
        MakeDirectory("ckpt.old", "older"); // the interrupted replace left only the backup
        string temp = MakeDirectory("ckpt.tmp", "newest");
        string final = _temp.File("ckpt");

        AtomicFile.ReplaceDirectory(temp, final);

        Assert.Equal("newest", File.ReadAllText(Path.Combine(final, "marker.txt")));
        Assert.Equal(["ckpt"], _temp.Entries());
    }

    private string MakeDirectory(string name, string marker)
    {
        string path = _temp.File(name);
        Directory.CreateDirectory(path);
        File.WriteAllText(Path.Combine(path, "marker.txt"), marker);
        return path;
    }
}
