using System.CommandLine;
using System.Globalization;
using Parley.Node.Auth;
using Parley.Server.Cluster.Local;
using Parley.Node.Options;

namespace Parley.Server.Cli;

/// <summary>
/// <c>parley token</c>: mints a development token offline with the data directory's development
/// key, for trying Parley out and for tests. Production tokens come from an issuer whose key the
/// nodes only verify. A key is never created where one was expected: without a key in the
/// directory (a typo, or the wrong working directory) the command refuses and says how to get
/// one (start the node on it, or <c>--create-key</c>), because a token signed with a new key
/// is refused by every node that holds another.
/// </summary>
internal static class TokenCommand
{
    public static Command Create()
    {
        var data = CommonOptions.Data();
        var cluster = new Option<bool>("--cluster") { Description = "Use the development key of 'parley cluster up' in its default state directory instead of --data." };
        var createKey = new Option<bool>("--create-key") { Description = "Create a development key in the data directory when it has none (a node started on that directory creates one too)." };
        var tenant = new Option<string>("--tenant") { Description = "Tenant id.", Required = true };
        var user = new Option<string>("--user") { Description = "User id (the token's subject).", Required = true };
        var rooms = new Option<string>("--rooms") { Description = "Room patterns, comma separated: exact names, prefixes ending in '*', or '*'. Default: none (direct messages only).", DefaultValueFactory = _ => "" };
        var scopes = new Option<string>("--scopes") { Description = "HTTP API scopes, comma separated: publish, read, operator (the full /api/v1/cluster).", DefaultValueFactory = _ => "" };
        var ttl = new Option<string>("--ttl") { Description = "Lifetime: 90s, 30m, 12h, 7d or hh:mm:ss. Default 1h.", DefaultValueFactory = _ => "1h" };
        var command = new Command("token", "Mint a development token signed with the data directory's development key.") { data, cluster, createKey, tenant, user, rooms, scopes, ttl };
        command.SetAction(result =>
        {
            if (!TryParseDuration(result.GetValue(ttl)!, out var lifetime))
            {
                Console.Error.WriteLine("--ttl must look like 90s, 30m, 12h, 7d or hh:mm:ss.");
                return 2;
            }

            var auth = new AuthOptions();
            var fromCluster = result.GetValue(cluster);
            var directory = CommonOptions.FullPath(fromCluster ? ClusterState.DefaultDirectory() : result.GetValue(data)!);
            try
            {
                // Arguments first, so a typo in them is reported before a missing key.
                DevelopmentTokenMinter.CheckArguments(result.GetValue(tenant)!, result.GetValue(user)!, Split(result.GetValue(rooms)), Split(result.GetValue(scopes)), lifetime);
                if (!DevelopmentKey.Exists(directory) && !(result.GetValue(createKey) && !fromCluster))
                {
                    Console.Error.WriteLine(fromCluster
                        ? $"parley token: no development key in {directory}: 'parley cluster up' creates it; start the cluster first."
                        : $"parley token: no development key in {directory} ({DevelopmentKey.FileName}). A token signed with a new key would be refused by any node holding another, so none is created unasked: " +
                          $"start the node on this directory first (parley serve --data '{directory}'), point --data at the directory it uses, or pass --create-key to create one here.");
                    return 2;
                }

                var secret = DevelopmentKey.LoadOrCreate(directory);
                var token = DevelopmentTokenMinter.Mint(secret, auth, result.GetValue(tenant)!, result.GetValue(user)!, Split(result.GetValue(rooms)), Split(result.GetValue(scopes)), lifetime);
                Console.WriteLine(token);
                return 0;
            }
            catch (ArgumentException e)
            {
                Console.Error.WriteLine(e.Message);
                return 2;
            }
        });
        return command;
    }

    private static string[] Split(string? list)
        => (list ?? "").Split([',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    internal static bool TryParseDuration(string text, out TimeSpan duration)
    {
        duration = default;
        if (text.Length > 1 && double.TryParse(text[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && n > 0)
        {
            TimeSpan? parsed = text[^1] switch
            {
                's' => TimeSpan.FromSeconds(n),
                'm' => TimeSpan.FromMinutes(n),
                'h' => TimeSpan.FromHours(n),
                'd' => TimeSpan.FromDays(n),
                _ => null,
            };
            if (parsed is { } value)
            {
                duration = value;
                return true;
            }
        }

        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out duration) && duration > TimeSpan.Zero;
    }
}
