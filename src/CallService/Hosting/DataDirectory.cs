using System.Text;

namespace CallService.Hosting;

/// <summary>
/// The data directory (<c>Storage:DataDirectory</c>, default <c>./data</c> relative to the working directory): the record
/// database and the generated keys. Created owner-only (0700); files the service creates in it are owner-only (0600)
/// from their first byte (files an older version left readable are narrowed at start). One process holds it at a
/// time (<see cref="Lock"/>): the records of a SQLite file belong to one node.
/// </summary>
internal sealed class DataDirectory : IDisposable
{
    /// <summary>The file an exclusive lock is taken on (flock(2) on Linux, through .NET's <see cref="FileShare.None"/>).</summary>
    public const string LockFileName = "lock";

    /// <summary>Who holds the lock (process id, host, start time), written after the lock is taken; read by a refused start.</summary>
    public const string HolderFileName = "lock.holder";

    /// <summary>rw------- : the only mode the service creates files with.</summary>
    public const UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>rwx------ : the mode of a data directory the service creates.</summary>
    public const UnixFileMode PrivateDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    private FileStream? _lock;

    public DataDirectory(IConfiguration configuration)
    {
        Path = System.IO.Path.GetFullPath(configuration["Storage:DataDirectory"] is { Length: > 0 } d ? d : "data");
        try
        {
            if (OperatingSystem.IsWindows()) Directory.CreateDirectory(Path);
            else Directory.CreateDirectory(Path, PrivateDirectory); // an existing directory keeps its mode
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StartupException($"The data directory {Path} cannot be created ({e.Message.TrimEnd('.')}). Set Storage:DataDirectory to a writable directory.", e);
        }
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>
    /// Takes the exclusive lock on the directory for the life of this object, before anything reads or writes the
    /// records. A second process (or host) on the same directory gets a <see cref="StartupException"/> naming the
    /// directory and the holder, and touches nothing. The kernel releases the lock when the holder exits, even by
    /// <c>kill -9</c>, so a stale lock file never blocks a restart.
    /// </summary>
    public void Lock()
    {
        if (_lock is not null) return;
        var path = File(LockFileName);
        try
        {
            _lock = new FileStream(path, PrivateOptions(FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
            WritePrivateText(HolderFileName,
                $"pid {Environment.ProcessId} on {Environment.MachineName}, started {DateTimeOffset.UtcNow:yyyy-MM-ddTHH:mm:ssZ}\n", replace: true);
            NarrowFiles();
        }
        catch (IOException e) when (_lock is null && e.GetType() == typeof(IOException) && System.IO.File.Exists(path))
        {
            throw new StartupException($"The data directory {Path} is in use by another CallService process ({Holder()}). " +
                "Stop that process, or give this one its own Storage:DataDirectory.", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Dispose();
            throw new StartupException($"The data directory {Path} is not writable ({e.Message.TrimEnd('.')}). Set Storage:DataDirectory to a writable directory.", e);
        }
    }

    /// <summary>Files an older version created readable by group/others (keys, <c>calls.db</c> and its -wal/-shm) become 0600.</summary>
    private void NarrowFiles()
    {
        if (OperatingSystem.IsWindows()) return;
        foreach (var file in Directory.EnumerateFiles(Path))
        {
            var mode = System.IO.File.GetUnixFileMode(file);
            if ((mode & (UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite)) != 0)
                System.IO.File.SetUnixFileMode(file, mode & ~(UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
                    UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute));
        }
    }

    private string Holder()
    {
        try
        {
            return System.IO.File.ReadAllText(File(HolderFileName)).Trim() is { Length: > 0 } holder ? "held by " + holder : "holder unknown";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "holder unknown";
        }
    }

    /// <summary>
    /// Makes sure <paramref name="name"/> exists: a missing file is created empty and 0600 (an empty file is also a valid
    /// empty SQLite database, whose <c>-wal</c>/<c>-shm</c> files SQLite then creates with the database's mode). An
    /// existing file is left as it is (<see cref="Lock"/> narrows what an older version left readable).
    /// </summary>
    public string EnsurePrivateFile(string name)
    {
        var path = File(name);
        if (OperatingSystem.IsWindows()) return path;
        try
        {
            using (new FileStream(path, PrivateOptions(FileMode.CreateNew, FileAccess.Write, FileShare.ReadWrite)))
            {
            }
        }
        catch (IOException) when (System.IO.File.Exists(path))
        {
        }
        return path;
    }

    /// <summary>
    /// Writes a small secret/state file that is 0600 from its first byte: written to a new temporary file created 0600,
    /// then renamed over <paramref name="name"/> (so a reader never sees half a key). Without <paramref name="replace"/>,
    /// an existing file is kept and false returned.
    /// </summary>
    public bool WritePrivateText(string name, string text, bool replace = false)
    {
        var path = File(name);
        var temporary = File($".{name}.{Guid.NewGuid():N}.tmp");
        using (var stream = new FileStream(temporary, PrivateOptions(FileMode.CreateNew, FileAccess.Write, FileShare.Read)))
        {
            stream.Write(Encoding.UTF8.GetBytes(text));
            stream.Flush(flushToDisk: true);
        }
        try
        {
            if (replace)
            {
                System.IO.File.Move(temporary, path, overwrite: true);
                return true;
            }
            if (System.IO.File.Exists(path) && System.IO.File.ReadAllText(path).Trim().Length > 0) return false;
            System.IO.File.Move(temporary, path, overwrite: true);
            return true;
        }
        finally
        {
            System.IO.File.Delete(temporary); // no-op once moved
        }
    }

    /// <summary>Options that create a file 0600 (then narrowed by the umask, never widened).</summary>
    private static FileStreamOptions PrivateOptions(FileMode mode, FileAccess access, FileShare share)
    {
        var options = new FileStreamOptions { Mode = mode, Access = access, Share = share };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = PrivateFile;
        return options;
    }

    /// <summary>Releases the lock (the holder file stays: it only names the last holder).</summary>
    public void Dispose()
    {
        _lock?.Dispose();
        _lock = null;
    }
}
