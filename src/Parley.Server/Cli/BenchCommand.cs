using System.Collections.Concurrent;
using System.CommandLine;
using System.Globalization;
using Parley.Bench.Comparison;
using Parley.Bench.Output;
using Parley.Bench.Probes;
using Parley.Bench.Running;
using Parley.Bench.Scenarios;
using Parley.Bench.Sharding;
using Parley.Bench.Targets;
using Parley.Bench.Targets.Bare;
using Parley.Bench.Targets.Parley;
using Parley.Bench.Targets.SignalR;
using Parley.Bench.Targets.SocketIo;
using Parley.Bench.Transport;
using Parley.Node.Auth;
using Parley.Server.Cluster.Local;
using Parley.Node.Options;
using Spectre.Console;

namespace Parley.Server.Cli;

/// <summary>
/// <c>parley bench &lt;scenario&gt;</c>: the load generator. Drives a Parley node (or a peer server,
/// see src/Parley.Bench/Targets/README.md) on loopback, shows progress, prints a result table and
/// writes result.json and result.svg into the run's directory. Exit code 0 when the completeness
/// check passed, 1 when it failed, 2 for a usage error.
/// </summary>
internal static class BenchCommand
{
    /// <summary>Lifetime of the tokens a run mints: longer than any run, so none expires mid-run.</summary>
    private static readonly TimeSpan TokenLifetime = TimeSpan.FromHours(12);

    public static Command Create()
    {
        var defaults = new BenchSettings();
        var scenario = new Argument<string>("scenario") { Description = "idle, broadcast, fanout-mix, fanout-mix-ephemeral, dm, reconnect-storm or churn." };
        var target = new Option<string>("--target") { Description = "parley, bare, signalr or socketio.", DefaultValueFactory = _ => "parley" };
        var url = new Option<string[]>("--url") { Description = "WebSocket URL of the target; repeat it for several nodes (client i goes to URL i mod n). Default ws://127.0.0.1:8080/v1/ws.", DefaultValueFactory = _ => ["ws://127.0.0.1:8080/v1/ws"] };
        var connections = new Option<int>("--connections") { Description = "Connections held (for churn: clients connecting in parallel). Default 1000.", DefaultValueFactory = _ => defaults.Connections };
        var publishers = new Option<int>("--publishers") { Description = "Publishing connections. Default 4.", DefaultValueFactory = _ => defaults.Publishers };
        var rate = new Option<double>("--rate") { Description = "Messages per second over all publishers; 0 = as fast as acknowledgements allow. Default 0.", DefaultValueFactory = _ => defaults.Rate };
        var window = new Option<int>("--window") { Description = "Unacknowledged messages per publisher at most. Default 8.", DefaultValueFactory = _ => defaults.Window };
        var duration = new Option<string>("--duration") { Description = "Measured phase: 10s, 2m… Default 10s.", DefaultValueFactory = _ => "10s" };
        var messages = new Option<long>("--messages") { Description = "Budget: most messages published (churn: connections opened). Default 1000000.", DefaultValueFactory = _ => defaults.MessageBudget };
        var size = new Option<int>("--size") { Description = "Message body size in bytes. Default 64.", DefaultValueFactory = _ => defaults.MessageSize };
        var drain = new Option<string>("--drain") { Description = "Wait after publishing for the last deliveries. Default 15s.", DefaultValueFactory = _ => "15s" };
        var groupSize = new Option<int>("--group-size") { Description = "Members per group room (fanout-mix, reconnect-storm). Default 10.", DefaultValueFactory = _ => defaults.GroupSize };
        var concurrency = new Option<int>("--connect-concurrency") { Description = "Connection attempts in flight while setting up. Default 64.", DefaultValueFactory = _ => defaults.ConnectConcurrency };
        var sources = new Option<string>("--sources") { Description = "Local source addresses, e.g. 127.0.0.1-127.0.0.32 (about 28,000 connections each). Default 127.0.0.1-127.0.0.16.", DefaultValueFactory = _ => "127.0.0.1-127.0.0.16" };
        var output = new Option<string?>("--out") { Description = "Directory for result.json and result.svg. Default bench/results/run-<scenario>-<target>-<time>." };
        var data = new Option<string?>("--data") { Description = "Parley: the node's data directory, whose development key signs the run's tokens." };
        var secret = new Option<string?>("--secret") { Description = "Parley: the cluster's HS256 secret (Parley:Auth:HmacSecret), instead of --data." };
        var tenant = new Option<string>("--tenant") { Description = "Parley: tenant of the run's users. Default bench.", DefaultValueFactory = _ => "bench" };
        var serverPid = new Option<int[]>("--server-pid") { Description = "A local server's process id: memory and CPU from /proc (any target); repeat it to sum several processes. Without it a single Parley node is read through /metrics." };
        var allowRemote = new Option<bool>("--allow-remote") { Description = "Allow a target that is not on loopback." };
        var plain = new Option<bool>("--plain") { Description = "Plain progress lines even in an interactive terminal." };
        var processes = new Option<int>("--processes") { Description = "Generator processes the run is split over, for more connections than one process may open files (see below). Default 1.", DefaultValueFactory = _ => 1 };
        var shard = new Option<string?>("--shard") { Description = "Internal: this process is one shard (k/N@runid) of a run started with --processes.", Hidden = true };

        CliHelp.Details["bench"] = Help[(Help.IndexOf('\n', StringComparison.Ordinal) + 1)..].Trim();
        var command = new Command("bench", CliHelp.FirstLine(Help))
        {
            scenario, target, url, connections, publishers, rate, window, duration, messages, size, drain, groupSize,
            concurrency, sources, output, data, secret, tenant, serverPid, allowRemote, plain, processes, shard,
            ReportCommand(),
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            string? Fail(string message)
            {
                Console.Error.WriteLine("parley bench: " + message);
                return null;
            }

            var chosen = Scenarios.Find(result.GetValue(scenario)!);
            if (chosen is null)
            {
                Fail($"unknown scenario '{result.GetValue(scenario)}'; choose one of {string.Join(", ", Scenarios.All.Select(s => s.Name))}.");
                return 2;
            }

            var targetUrls = new List<Uri>();
            foreach (var text in result.GetValue(url) ?? [])
            {
                if (!Uri.TryCreate(text, UriKind.Absolute, out var parsed) || !TargetUrl.IsWebSocket(parsed))
                {
                    Fail($"--url must be a ws:// or wss:// URL, not '{text}'.");
                    return 2;
                }

                targetUrls.Add(parsed);
            }

            if (targetUrls.Count == 0)
            {
                Fail("--url must be given at least once.");
                return 2;
            }

            var remote = targetUrls.Any(u => !TargetUrl.IsLoopback(u));
            if (remote && !result.GetValue(allowRemote))
            {
                Fail($"{targetUrls.First(u => !TargetUrl.IsLoopback(u)).Host} is not a loopback address; a load test sends traffic only to this machine unless --allow-remote is given.");
                return 2;
            }

            if (!TokenCommand.TryParseDuration(result.GetValue(duration)!, out var measured) || !TokenCommand.TryParseDuration(result.GetValue(drain)!, out var drainTime))
            {
                Fail("--duration and --drain must look like 10s, 2m or hh:mm:ss.");
                return 2;
            }

            SourceAddresses? addresses = null;
            if (!remote && !SourceAddresses.TryParse(result.GetValue(sources)!, out addresses))
            {
                Fail("--sources must be one IPv4 address or a range in the last octet, e.g. 127.0.0.1-127.0.0.16.");
                return 2;
            }

            var settings = new BenchSettings
            {
                Connections = result.GetValue(connections),
                Publishers = result.GetValue(publishers),
                Rate = result.GetValue(rate),
                Window = result.GetValue(window),
                Duration = measured,
                MessageBudget = result.GetValue(messages),
                MessageSize = result.GetValue(size),
                Drain = drainTime,
                GroupSize = result.GetValue(groupSize),
                ConnectConcurrency = result.GetValue(concurrency),
            };
            if (settings.Connections < 1 || settings.Publishers < 1 || settings.Window < 1 || settings.Rate < 0 || settings.MessageBudget < 1 || settings.GroupSize < 1 || settings.ConnectConcurrency < 1 || settings.MessageSize < 0)
            {
                Fail("--connections, --publishers, --window, --messages, --group-size and --connect-concurrency must be positive; --rate and --size not negative.");
                return 2;
            }

            ShardSpec? part = null;
            if (result.GetValue(shard) is { } shardText)
            {
                if (!ShardSpec.TryParse(shardText, out part))
                {
                    Fail("--shard must look like 0/2@runid.");
                    return 2;
                }

                settings = part!.Apply(settings);
                addresses = part.Slice(addresses);
            }
            else if (ShardSpec.Refusal(settings, addresses, result.GetValue(processes)) is { } refusal)
            {
                Fail(refusal);
                return 2;
            }

            using var connector = new WebSocketConnector(addresses);
            Func<Uri, IBenchTarget>? node;
            switch (result.GetValue(target))
            {
                case "parley":
                    var tokens = Tokens(result.GetValue(data), result.GetValue(secret), result.GetValue(tenant)!);
                    if (tokens is null)
                    {
                        return 2;
                    }

                    node = u => new ParleyTarget(u, connector, tokens, settings.MessageSize);
                    break;
                case "bare":
                    node = u => new BareTarget(u, connector, settings.MessageSize);
                    break;
                case "signalr":
                    node = u => new SignalRTarget(u, connector, settings.MessageSize);
                    break;
                case "socketio":
                    node = u => new SocketIoTarget(u, connector, settings.MessageSize);
                    break;
                default:
                    Fail("--target must be parley, bare, signalr or socketio.");
                    return 2;
            }

            var benchTarget = targetUrls.Count == 1 ? node(targetUrls[0]) : new SpreadTarget([.. targetUrls.Select(node)]);
            using var disposeTarget = benchTarget;
            if ((benchTarget.Capabilities & chosen.Requires) != chosen.Requires)
            {
                Fail($"{chosen.Name} runs against Parley only.");
                return 2;
            }

            // /metrics describes one node only, so several nodes are read from /proc or not at all.
            // A shard never probes: the parent reads the server once for the whole run.
            IServerProbe probe = part is not null ? new NoProbe()
                : result.GetValue(serverPid) is { Length: > 0 } pids ? new ProcProbe(pids)
                : benchTarget is ParleyTarget ? new MetricsProbe(new Uri(TargetUrl.HttpBase(targetUrls[0]), "metrics"))
                : new NoProbe();
            var directory = result.GetValue(output)
                ?? Path.Combine("bench", "results", $"run-{chosen.Name}-{benchTarget.Name}-{DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}");
            // A pipe or a CI log gets plain text: no cursor movement, no colour codes.
            var interactive = !Console.IsOutputRedirected && AnsiConsole.Console.Profile.Capabilities.Interactive;
            var console = interactive ? AnsiConsole.Console : AnsiConsole.Create(new AnsiConsoleSettings { Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors, Interactive = InteractionSupport.No, Out = new AnsiConsoleOutput(Console.Out) });
            IProgressView view = !result.GetValue(plain) && interactive
                ? new LiveProgress(console)
                : new PlainProgress(Console.Out);

            // A shard talks to its parent over stdin and stdout instead of showing progress itself.
            var channel = part is null ? null : new ShardChannel(Console.In, Console.Out);
            using var context = new BenchContext(settings, benchTarget, connector, probe) { Barrier = channel };
            BenchResult outcome;
            try
            {
                if (part is null && result.GetValue(processes) > 1)
                {
                    var launcher = ParleyLauncher.Current();
                    var plan = new ShardPlan(new ShardLaunch(launcher.FileName, launcher.Prefix, Environment.GetCommandLineArgs()[1..]), result.GetValue(processes), settings, chosen.Name, benchTarget.Name, string.Join(" ", targetUrls), Path.GetFullPath(directory));
                    outcome = await ShardedRun.RunAsync(plan, probe, view, cancellationToken);
                }
                else
                {
                    outcome = await BenchRunner.RunAsync(chosen, context, string.Join(" ", targetUrls), channel ?? view, cancellationToken);
                }
            }
            catch (Exception e) when (e is ShardFailedException or ConnectRefusedException or System.Net.WebSockets.WebSocketException or HttpRequestException or ArgumentException)
            {
                Fail(e.Message);
                return 1;
            }
            finally
            {
                (probe as IDisposable)?.Dispose();
            }

            var (json, picture) = await ResultFiles.WriteAsync(outcome, directory, CancellationToken.None);
            if (part is null)
            {
                ResultTable.Write(console, outcome);
                Console.WriteLine($"Wrote {json} and {picture}.");
            }

            return outcome.Passed ? 0 : 1;
        });
        return command;
    }

    /// <summary>
    /// <c>parley bench report &lt;directory&gt;</c>: the markdown of a bench/compare results directory
    /// (its report.json and one directory per run), so the medians, ranges and ratios are computed in
    /// one tested place and a directory can be rendered again later. Exit code 1 when the directory
    /// holds no readable report.json.
    /// </summary>
    private static Command ReportCommand()
    {
        var directory = new Argument<string>("directory") { Description = "A results directory written by bench/compare: report.json and one directory per run." };
        var output = new Option<string?>("--out") { Description = "Write the markdown to this file instead of standard output, and the picture of every ratio beside it (the same name, ending .svg)." };
        var report = new Command("report", "Render the table of a bench/compare results directory: every figure's median and range over its rounds, and Parley ÷ peer.") { directory, output };
        report.SetAction(result =>
        {
            try
            {
                var text = ComparisonReport.Render(result.GetValue(directory)!);
                if (result.GetValue(output) is { } file)
                {
                    File.WriteAllText(file, text);
                    if (ComparisonReport.Picture(result.GetValue(directory)!) is { } picture)
                    {
                        File.WriteAllText(Path.ChangeExtension(file, ".svg"), picture);
                    }
                }
                else
                {
                    Console.Out.Write(text);
                }

                return 0;
            }
            catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine("parley bench report: " + e.Message);
                return 1;
            }
        });
        return report;
    }

    /// <summary>Mints (and keeps) one token per user, signed with the node's development key or the given secret.</summary>
    private static Func<string, string>? Tokens(string? dataDirectory, string? secret, string tenant)
    {
        if (secret is null)
        {
            if (dataDirectory is null || !File.Exists(Path.Combine(dataDirectory, DevelopmentKey.FileName)))
            {
                Console.Error.WriteLine($"parley bench: the Parley target needs --data (the node's data directory, holding {DevelopmentKey.FileName}) or --secret.");
                return null;
            }

            secret = DevelopmentKey.LoadOrCreate(dataDirectory);
        }

        var auth = new AuthOptions();
        var cache = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        return user => cache.GetOrAdd(user, u => DevelopmentTokenMinter.Mint(secret, auth, tenant, u, ["*"], [], TokenLifetime));
    }

    private const string Help = """
        Load generator: run a scenario against Parley or a peer and check that every message arrived once and in order.

        Scenarios: idle (memory per connection, CPU while idle), broadcast (one room, N members, P publishing),
        fanout-mix (personal room + group of 10 each; fanout-mix-ephemeral the same in rooms named eph:…), dm and reconnect-storm (Parley only), churn (connects per second).

        Example: parley bench broadcast --data data --connections 2000 --publishers 4 --duration 20s

        Parley's default limits protect it from exactly this traffic; start the node for a benchmark with, e.g.:
          parley serve --Parley:Limits:PublishesPerSecond=1000000 --Parley:Limits:PublishBurst=1000000
                       --Parley:Limits:NewConnectionsPerSecond=0 --Parley:Limits:ConnectionsPerUser=0
        Refused upgrades (503) are retried after Retry-After, and rate-limited sends with the same id, so a run
        under the defaults is slower, never incomplete.

        --processes N splits the run over N generator processes, for more connections than one process may
        open files: each takes connections/N, publishers/N (at least 1), rate/N and messages/N, its own rooms and
        users and its share of --sources; all start measuring together, and their results merge into one.
        Every scenario keeps its shape except broadcast, which becomes N rooms of connections/N members.
        --connect-concurrency stays per process.

        parley bench report <directory> renders the table bench/compare writes for a results directory: every
        figure's median and range over the rounds of --repeat, and Parley ÷ peer with the range of per-round ratios.
        """;
}
