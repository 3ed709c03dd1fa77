using System.Text.Json;

namespace Parley.Server.Cluster.Local;

/// <summary>
/// Files that hold credentials (the cluster's operator token, a user's tokens): written whole
/// through a temporary file and a rename, so a reader never sees half of one, and readable by
/// their owner only where the system has Unix permissions.
/// </summary>
public static class OwnerOnlyFile
{
    public static void WriteJson<T>(string path, T value)
    {
        var temporary = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temporary, options))
        {
            JsonSerializer.Serialize(stream, value);
        }

        File.Move(temporary, path, overwrite: true);
    }
}
