using System.CommandLine;

namespace Parley.Server.Cli;

/// <summary>Options shared by several commands.</summary>
internal static class CommonOptions
{
    /// <summary>The data directory: SQLite file and development key. Default ./data.</summary>
    public static Option<string> Data() => new("--data") { Description = "Data directory (SQLite store, development key).", DefaultValueFactory = _ => "data" };
}
