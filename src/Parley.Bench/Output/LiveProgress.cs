using System.Globalization;
using Parley.Bench.Running;
using Spectre.Console;

namespace Parley.Bench.Output;

/// <summary>For an interactive terminal: a table redrawn in place once a second.</summary>
internal sealed class LiveProgress(IAnsiConsole console) : IProgressView
{
    public async Task ShowAsync(Func<Action<ProgressSample>, Task> run)
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumn("phase").AddColumn("elapsed").AddColumn("connections")
            .AddColumn("deliveries/s").AddColumn("publishes/s").AddColumn("connects/s").AddColumn("p50").AddColumn("p99");
        table.AddRow("starting", "", "", "", "", "", "", "");
        await console.Live(table).AutoClear(false).StartAsync(async live =>
        {
            await run(sample =>
            {
                var cells = new[]
                {
                    sample.Phase,
                    F($"{sample.ElapsedSeconds:0}s"),
                    F($"{sample.LiveConnections:N0}"),
                    F($"{sample.DeliveriesPerSecond:N0}"),
                    F($"{sample.PublishesPerSecond:N0}"),
                    F($"{sample.ConnectsPerSecond:N0}"),
                    F($"{sample.P50Ms:0.00} ms"),
                    F($"{sample.P99Ms:0.00} ms"),
                };
                for (var i = 0; i < cells.Length; i++)
                {
                    table.UpdateCell(0, i, Markup.Escape(cells[i]));
                }

                live.Refresh();
            });
        });
    }

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
