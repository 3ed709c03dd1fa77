using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.Extensions.Options;
using Parley.Node.Cluster;
using Parley.Node.Options;

namespace Parley.Node.Hosting;

/// <summary>
/// The line a node logs once it listens: its mode, id, data directory, WebSocket endpoints, the
/// web app's address (served at <c>/</c>) and where the API and the documentation are.
/// </summary>
public static partial class StartupLine
{
    public static void Log(WebApplication app)
    {
        var node = app.Services.GetRequiredService<NodeIdentity>();
        var options = app.Services.GetRequiredService<IOptions<ParleyOptions>>().Value;
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var endpoints = string.Join(", ", addresses.Select(a => a.Replace("http://", "ws://", StringComparison.Ordinal).Replace("https://", "wss://", StringComparison.Ordinal).TrimEnd('/') + "/v1/ws"));
        var first = addresses.FirstOrDefault()?.TrimEnd('/') ?? "";
        var web = first.Length == 0 ? "none" : first + "/";
        var api = first.Length == 0 ? "none" : first + "/openapi/v1.json";
        var mode = options.IsCluster ? "cluster" : "embedded";
        var data = options.IsCluster ? "PostgreSQL" : Path.GetFullPath(options.DataDirectory);
        Started(app.Logger, mode, node.Id, data, endpoints, web, api);
    }

    [LoggerMessage(EventId = 1011, Level = LogLevel.Information, Message = "Parley node {NodeId} started in {Mode} mode; data: {Data}; WebSocket: {Endpoints}; web app: {WebApp}; API reference: {ApiDocument}; guides: docs/ in the repository (protocol.md, configuration.md, operations.md).")]
    private static partial void Started(ILogger logger, string mode, string nodeId, string data, string endpoints, string webApp, string apiDocument);
}
