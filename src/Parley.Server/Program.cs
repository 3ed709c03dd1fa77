using System.CommandLine;
using Parley.Server.Cli;

var serve = ServeCommand.Create();
var root = new RootCommand("Parley: a multi-tenant real-time messaging server. 'parley help COMMAND' explains a command.")
{
    serve,
    TokenCommand.Create(),
    ClusterCommand.Create(),
    LoginCommand.Create(),
    TenantCommand.Create(),
    UserCommand.Create(),
    ApiKeyCommand.Create(),
    AuthCommand.Create(),
    BenchCommand.Create(),
    SoakCommand.Create(),
    HealthCommand.Create(),
};
root.Subcommands.Add(HelpCommand.Create(root));
CliHelp.Install(root);

return await root.Parse(args).InvokeAsync();
