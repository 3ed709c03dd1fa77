using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;

namespace Parley.Server.Cli;

/// <summary>
/// The help <c>parley</c> prints: the top level lists each command on one line, and each command's
/// own help carries its detail (<see cref="Details"/>). <c>parley serve --help</c> shows how
/// configuration is given (<c>--Parley:Key=value</c> after the options, <c>Parley__Key</c> in the
/// environment, appsettings.json) instead of the parser's generic "additional arguments".
/// The parser's own help is written first, into a buffer, and edited: System.CommandLine keeps
/// its layout API internal.
/// </summary>
internal static class CliHelp
{
    /// <summary>What <c>serve --help</c> says about configuration.</summary>
    public const string ServeConfiguration = """
        Configuration:
          Every setting in docs/configuration.md can be given three ways; a later one wins:
            appsettings.json in the working directory   {"Parley": {"Limits": {"ConnectionsPerUser": 10}}}
            an environment variable ('__' for ':')      Parley__Limits__ConnectionsPerUser=10
            an argument after the options               --Parley:Limits:ConnectionsPerUser=10
          A setting that is invalid stops the node at start with the list of problems (exit code 2).
          Relative paths (--data, Parley:DataDirectory) are relative to the working directory.

        Example:
          parley serve --data ./data --urls http://127.0.0.1:8080 --Parley:Limits:ConnectionsPerUser=10
        """;

    /// <summary>Text a command's help ends with, beyond its one-line description.</summary>
    public static readonly Dictionary<string, string> Details = new(StringComparer.Ordinal)
    {
        ["serve"] = ServeConfiguration,
    };

    /// <summary>Replaces the help option's action on <paramref name="root"/> (it applies to every command).</summary>
    public static void Install(RootCommand root)
    {
        var help = root.Options.OfType<HelpOption>().Single();
        var inner = help.Action as HelpAction ?? throw new InvalidOperationException("The help option has no help action.");
        help.Action = new EditedHelpAction(inner);
    }

    /// <summary>The first line of a description: what a list of commands shows.</summary>
    public static string FirstLine(string? description) => (description ?? "").Split('\n', 2)[0].Trim();

    private sealed class EditedHelpAction(HelpAction inner) : SynchronousCommandLineAction
    {
        [ThreadStatic]
        private static bool t_capturing;

        public override int Invoke(ParseResult parseResult)
        {
            if (t_capturing)
            {
                return inner.Invoke(parseResult);
            }

            var buffer = new StringWriter();
            t_capturing = true;
            try
            {
                parseResult.RootCommandResult.Command.Parse([.. parseResult.Tokens.Select(t => t.Value)])
                    .Invoke(new InvocationConfiguration { Output = buffer, Error = buffer });
            }
            finally
            {
                t_capturing = false;
            }

            var command = parseResult.CommandResult.Command;
            var text = buffer.ToString();
            if (command.Name == "serve")
            {
                text = WithoutAdditionalArguments(text).Replace("[[--] <additional arguments>...]]", "[--Parley:Key=value ...]", StringComparison.Ordinal);
            }

            if (Details.TryGetValue(command.Name, out var details))
            {
                text = text.TrimEnd() + "\n\n" + details.TrimEnd() + "\n";
            }

            parseResult.InvocationConfiguration.Output.Write(text.ReplaceLineEndings());
            return 0;
        }

        /// <summary>The help without its "Additional Arguments:" section, which says nothing useful.</summary>
        private static string WithoutAdditionalArguments(string text)
        {
            var start = text.IndexOf("Additional Arguments:", StringComparison.Ordinal);
            if (start < 0)
            {
                return text;
            }

            var end = text.IndexOf("\n\n", start, StringComparison.Ordinal);
            return text[..start] + (end < 0 ? "" : text[(end + 2)..]);
        }
    }
}
