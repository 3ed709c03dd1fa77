using System.CommandLine;

namespace Parley.Server.Cli;

/// <summary>Options shared by several commands.</summary>
internal static class CommonOptions
{
    /// <summary>The data directory: SQLite file and development key. Default ./data, relative to the working directory.</summary>
    public static Option<string> Data() => new("--data") { Description = "Data directory (SQLite store, development key), relative to the working directory.", DefaultValueFactory = _ => "data" };

    /// <summary>
    /// <paramref name="path"/> made absolute against the working directory the command was run
    /// from, so every program it starts (whatever its own working directory) and every log line
    /// names the same place.
    /// </summary>
    public static string FullPath(string path) => Path.GetFullPath(path);
}
