using System.CommandLine;
using Parley.Server.Cli;

var root = new RootCommand("Parley: a multi-tenant real-time messaging server.")
{
    ServeCommand.Create(),
    TokenCommand.Create(),
    ClusterCommand.Create(),
    AuthCommand.Create(),
    BenchCommand.Create(),
    SoakCommand.Create(),
    TenantCommand.Create(),
    UserCommand.Create(),
    ApiKeyCommand.Create(),
};

return await root.Parse(args).InvokeAsync();
