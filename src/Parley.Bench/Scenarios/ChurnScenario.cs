using System.Diagnostics;
using System.Net.WebSockets;
using Parley.Bench.Running;
using Parley.Bench.Targets;
using Parley.Bench.Transport;

namespace Parley.Bench.Scenarios;

/// <summary>
/// Connects per second: <see cref="BenchSettings.Connections"/> clients in parallel each open a
/// connection, complete the handshake (on Parley that includes verifying a fresh token), close it
/// and start again, for the duration or until the budget of connections is spent. The latency
/// figures are connect times, from the first byte to the end of the handshake.
/// </summary>
internal sealed class ChurnScenario : IScenario
{
    /// <summary>Users each churning client rotates through, so a user's connection slot freed a moment late never refuses the next connect.</summary>
    private const int UsersPerClient = 4;

    public string Name => "churn";

    public string Description => "Open, authenticate and close connections in a loop: connects per second.";

    public TargetCapabilities Requires => TargetCapabilities.None;

    public async Task RunAsync(BenchContext context)
    {
        var settings = context.Settings;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.Aborted);
        await context.BeginMeasureAsync("churning");
        stop.CancelAfter(settings.Duration);
        await Task.WhenAll(Enumerable.Range(0, settings.Connections).Select(c => ChurnAsync(context, c, stop.Token)));
        await context.EndMeasureAsync();
        context.Stop();
        if (context.ConnectFailures > 0)
        {
            context.Completeness.Fail($"{context.ConnectFailures} connection attempts failed");
        }
    }

    private static async Task ChurnAsync(BenchContext context, int client, CancellationToken stop)
    {
        var sink = new ChurnSink(context);
        for (long k = 0; !stop.IsCancellationRequested && context.Budget.TryTake(); k++)
        {
            var started = Stopwatch.GetTimestamp();
            IBenchConnection connection;
            try
            {
                connection = await context.Target.ConnectAsync(new ConnectRequest($"{context.Settings.RunId}-c{client}-{k % UsersPerClient}") { Client = client }, sink, stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is ConnectRefusedException or WebSocketException or IOException or HttpRequestException)
            {
                context.ConnectFailed();
                continue;
            }

            context.ConnectTimes.Sample(Stopwatch.GetElapsedTime(started));
            context.Connected();
            await connection.DisposeAsync();
        }
    }

    /// <summary>Churning clients receive nothing worth checking; only their closes are counted.</summary>
    private sealed class ChurnSink(BenchContext context) : IDeliverySink
    {
        public void OnDelivery(in Delivery delivery)
        {
        }

        public void OnJoined(int slot, long head, bool resumed)
        {
        }

        public void OnClosed(int? closeStatus) => context.Disconnected();
    }
}
