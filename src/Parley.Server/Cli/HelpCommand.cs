using System.CommandLine;

namespace Parley.Server.Cli;

/// <summary><c>parley help [command …]</c>: the same help as <c>parley [command …] --help</c>.</summary>
internal static class HelpCommand
{
    public static Command Create(RootCommand root)
    {
        var path = new Argument<string[]>("command") { Description = "The command to explain, e.g. 'serve' or 'cluster up'.", Arity = ArgumentArity.ZeroOrMore };
        var command = new Command("help", "Show the commands, or one command's options and detail: parley help serve.") { path };
        command.SetAction(result => root.Parse([.. result.GetValue(path) ?? [], "--help"]).Invoke());
        return command;
    }
}
