using System.Globalization;
using Parley.Bench.Running;
using Spectre.Console;

namespace Parley.Bench.Output;

/// <summary>The table printed at the end of a run, PASSED or FAILED first.</summary>
internal static class ResultTable
{
    public static void Write(IAnsiConsole console, BenchResult r)
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumn("figure").AddColumn(new TableColumn("value").RightAligned());
        table.Title = new TableTitle($"{r.Scenario} against {r.Target}: " + (r.Passed ? "[green]PASSED[/]" : "[red]FAILED[/]"));
        foreach (var (name, value) in Rows(r))
        {
            table.AddRow(Markup.Escape(name), Markup.Escape(value));
        }

        console.Write(table);
        foreach (var note in r.Completeness.Notes)
        {
            console.MarkupLine("[red]" + Markup.Escape(note) + "[/]");
        }
    }

    internal static IEnumerable<(string Name, string Value)> Rows(BenchResult r)
    {
        yield return ("completeness", r.Passed ? "every message delivered once, in order" : $"missing {r.Completeness.Missing}, repeated {r.Completeness.Repeated}, out of order {r.Completeness.OutOfOrder}, unexpected {r.Completeness.Unexpected}, unacknowledged {r.Completeness.Unacknowledged}, other {r.Completeness.OtherFailures}");
        yield return ("measured", F($"{r.MeasuredSeconds:0.0} s"));
        yield return ("connections", F($"{r.Settings.Connections:N0}"));
        if (r.Published > 0)
        {
            yield return ("published / acknowledged", F($"{r.Published:N0} / {r.Acknowledged:N0} ({r.Retries:N0} retries)"));
            yield return ("deliveries", F($"{r.Deliveries:N0}"));
            yield return ("deliveries per second", F($"{r.DeliveriesPerSecond:N0}"));
            yield return ("publishes per second", F($"{r.PublishesPerSecond:N0}"));
            yield return ("latency p50 / p99 / p99.9", F($"{r.Latency.P50 / 1000.0:0.00} / {r.Latency.P99 / 1000.0:0.00} / {r.Latency.P999 / 1000.0:0.00} ms (max {r.Latency.Max / 1000.0:0.00})"));
        }

        yield return ("connects per second", F($"{r.ConnectsPerSecond:N0}"));
        yield return ("connect time p50 / p99", F($"{r.ConnectTime.P50 / 1000.0:0.00} / {r.ConnectTime.P99 / 1000.0:0.00} ms"));
        if (r.UpgradeRefusals > 0 || r.Reconnects > 0 || r.ConnectFailures > 0)
        {
            yield return ("refused upgrades / reconnects / failures", F($"{r.UpgradeRefusals:N0} / {r.Reconnects:N0} / {r.ConnectFailures:N0}"));
        }

        yield return ("server CPU", r.Server.CpuPercent is { } cpu ? F($"{cpu:0.0} % of a core ({r.Server.Source})") : "unknown (give --server-pid or a Parley URL)");
        yield return ("server resident memory", r.Server.ResidentBytesEnd is { } rss ? F($"{rss / 1048576.0:0.0} MiB") : "unknown");
        foreach (var (name, value) in r.Figures.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            yield return (name, F($"{value:#,0.###}"));
        }
    }

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
