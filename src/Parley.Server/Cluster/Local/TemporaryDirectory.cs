namespace Parley.Server.Cluster.Local;

/// <summary>Removing a directory that programs which just stopped may still be closing files in.</summary>
public static class TemporaryDirectory
{
    /// <summary>
    /// Deletes <paramref name="directory"/> with everything in it, trying again every 100 ms while
    /// something still holds a file there; after 2 s it is left for the system's temporary-file
    /// cleaning rather than failing a shutdown over it. A directory already gone is fine.
    /// </summary>
    public static async Task DeleteAsync(string directory)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                Directory.Delete(directory, recursive: true);
                return;
            }
            catch (DirectoryNotFoundException)
            {
                return;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                if (attempt == 20)
                {
                    return;
                }

                await Task.Delay(100);
            }
        }
    }
}
