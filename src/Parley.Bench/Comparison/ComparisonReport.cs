using System.Text;

namespace Parley.Bench.Comparison;

/// <summary>
/// Renders <c>bench/results/&lt;date&gt;-&lt;scenario&gt;.md</c> from a results directory: the
/// manifest's preamble, one table per section (every figure for every target, then Parley ÷ peer),
/// the completeness of every run and links to the pictures. With one round a cell is the run's
/// value; with several it is the median with the range in brackets, and a ratio is the ratio of the
/// medians with the range of the per-round ratios.
/// </summary>
internal static class ComparisonReport
{
    public static string Render(string directory)
    {
        var (manifest, folder, runs) = Load(directory);
        return Render(manifest, folder, runs);
    }

    /// <summary>The ratio picture of <paramref name="directory"/> (see <see cref="RatioPicture"/>), or null when no figure has a ratio.</summary>
    public static string? Picture(string directory)
    {
        var (manifest, _, runs) = Load(directory);
        return RatioPicture.Render(manifest, RatioPicture.Rows(manifest, runs));
    }

    private static (ComparisonManifest Manifest, string Folder, Dictionary<string, RunFiles[]> Runs) Load(string directory)
    {
        var manifest = ComparisonManifest.Read(directory);
        var runs = new Dictionary<string, RunFiles[]>(StringComparer.Ordinal);
        foreach (var target in manifest.Sections.SelectMany(s => s.Others.Prepend(s.Main)).Distinct(StringComparer.Ordinal))
        {
            runs[target] = [.. Enumerable.Range(1, manifest.Rounds).Select(round => RunFiles.Read(Path.Combine(directory, ComparisonManifest.RunDirectory(target, round, manifest.Rounds))))];
        }

        return (manifest, Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory))), runs);
    }

    /// <summary>The report for <paramref name="runs"/> (per target, indexed by round); <paramref name="folder"/> is the results directory's own name, for links.</summary>
    internal static string Render(ComparisonManifest manifest, string folder, IReadOnlyDictionary<string, RunFiles[]> runs)
    {
        var text = new StringBuilder();
        text.Append($"# {manifest.Scenario}: Parley against its peers, {manifest.Date}\n\n");
        foreach (var line in manifest.Preamble)
        {
            text.Append(line).Append('\n');
        }

        if (manifest.Rounds > 1)
        {
            text.Append($"Every target ran {manifest.Rounds} times, interleaved (each round runs every target once, in the same order), so a disturbance from the rest of the machine falls on neighbouring runs of different targets alike. " +
                        "A figure is the median of its runs with their range (lowest–highest) in brackets; a ratio is the ratio of the medians with the range of the per-round ratios (round r ÷ round r) in brackets, which is the figure to trust when the machine is busy.\n");
        }

        text.Append('\n');
        foreach (var section in manifest.Sections)
        {
            text.Append($"## {section.Heading}\n\n");
            foreach (var line in section.Intro)
            {
                text.Append(line).Append('\n');
            }

            if (section.Intro.Count > 0)
            {
                text.Append('\n');
            }

            WriteTable(text, manifest, section, runs);
            text.Append('\n');
        }

        WritePictures(text, manifest, folder, runs);
        text.Append($"Each run's own output (result.json, result.svg, the generator's and the server's log) is in `{manifest.Directory}/`.\n");
        return text.ToString();
    }

    private static void WriteTable(StringBuilder text, ComparisonManifest manifest, ComparisonSection section, IReadOnlyDictionary<string, RunFiles[]> runs)
    {
        var rounds = manifest.Rounds;
        var main = section.Main;
        var others = section.Others;
        var ratios = !section.SideBySide && others.Count > 0;
        text.Append($"| figure | {TargetLabels.Of(main)} |");
        foreach (var other in others)
        {
            text.Append($" {TargetLabels.Of(other)} |");
        }

        if (ratios)
        {
            foreach (var other in others)
            {
                text.Append($" {TargetLabels.Of(main)} ÷ {TargetLabels.Of(other)} |");
            }
        }

        text.Append("\n|---|---:|");
        foreach (var _ in others)
        {
            text.Append(ratios ? "---:|---:|" : "---:|");
        }

        text.Append('\n');
        foreach (var row in ScenarioRows.For(manifest.Scenario))
        {
            var mine = Values(runs, main, row);
            var theirs = others.Select(o => Values(runs, o, row)).ToList();
            if (mine.All(v => v is null) && theirs.All(t => t.All(v => v is null)))
            {
                continue;
            }

            text.Append($"| {row.Heading} | {FigureText.Cell(Spread.Of(mine.OfType<double>()), rounds)} |");
            foreach (var values in theirs)
            {
                text.Append($" {FigureText.Cell(Spread.Of(values.OfType<double>()), rounds)} |");
            }

            if (ratios)
            {
                foreach (var values in theirs)
                {
                    text.Append($" {FigureText.RatioCell(RatioSpread.Of(mine, values), rounds)} |");
                }
            }

            text.Append('\n');
        }

        text.Append('\n');
        text.Append(CompletenessLine(rounds, others.Prepend(main), runs)).Append('\n');
        if (others.Prepend(main).Any(t => Runs(runs, t).Any(r => r.WsIdle is not null)))
        {
            text.Append(WsIdleLine(rounds, others.Prepend(main), runs)).Append('\n');
        }
    }

    /// <summary>"Completeness (…): Parley passed; SignalR FAILED (exit 1: note);", with the failing rounds named when there are several.</summary>
    internal static string CompletenessLine(int rounds, IEnumerable<string> targets, IReadOnlyDictionary<string, RunFiles[]> runs)
    {
        var line = new StringBuilder("Completeness (every message to every member once, in order; every connection held):");
        foreach (var target in targets)
        {
            var list = Runs(runs, target);
            var failed = list.Select((run, index) => (run, round: index + 1)).Where(r => !r.run.Passed).ToList();
            if (failed.Count == 0)
            {
                line.Append(rounds > 1 ? $" {TargetLabels.Of(target)} passed in every round;" : $" {TargetLabels.Of(target)} passed;");
                continue;
            }

            line.Append($" {TargetLabels.Of(target)} FAILED");
            line.Append(rounds > 1 ? $" in round {string.Join(", ", failed.Select(f => f.round))} (" : " (");
            var first = failed[0].run;
            line.Append($"exit {(first.Exit is { } exit ? exit.ToString(System.Globalization.CultureInfo.InvariantCulture) : "missing")}");
            foreach (var note in first.Notes(2))
            {
                line.Append(": ").Append(note);
            }

            line.Append(");");
        }

        return line.ToString();
    }

    /// <summary>How many of the Node client's connections were still open when the server's memory was read.</summary>
    private static string WsIdleLine(int rounds, IEnumerable<string> targets, IReadOnlyDictionary<string, RunFiles[]> runs)
    {
        var line = new StringBuilder("Node `ws` client, connections still open when memory was read:");
        foreach (var target in targets)
        {
            var counts = Runs(runs, target).Select(r => (held: RunFiles.Number(r.WsIdle, "held"), of: RunFiles.Number(r.WsIdle, "connections"))).ToList();
            var text = string.Join(", ", counts.Select(c => c.held is { } h && c.of is { } n ? $"{h:0} of {n:0}" : "not run"));
            line.Append($" {TargetLabels.Of(target)} {text}{(rounds > 1 ? " (by round)" : "")};");
        }

        return line.ToString();
    }

    private static void WritePictures(StringBuilder text, ComparisonManifest manifest, string folder, IReadOnlyDictionary<string, RunFiles[]> runs)
    {
        text.Append("## Pictures\n\n");
        if (RatioPicture.Rows(manifest, runs).Count > 0)
        {
            text.Append($"- every ratio, with its range over the rounds: [{folder}.svg]({folder}.svg)\n");
        }

        foreach (var target in runs.Keys.Order(StringComparer.Ordinal))
        {
            for (var round = 1; round <= manifest.Rounds; round++)
            {
                var run = ComparisonManifest.RunDirectory(target, round, manifest.Rounds);
                if (runs[target][round - 1].Result is not null)
                {
                    var name = manifest.Rounds > 1 ? $"{TargetLabels.Of(target)}, round {round}" : TargetLabels.Of(target);
                    text.Append($"- {name}: [{run}/result.svg]({folder}/{run}/result.svg)\n");
                }
            }
        }

        text.Append('\n');
    }

    private static RunFiles[] Runs(IReadOnlyDictionary<string, RunFiles[]> runs, string target) => runs.TryGetValue(target, out var list) ? list : [];

    /// <summary>A figure's value in every round of <paramref name="target"/> (null where the round has none).</summary>
    internal static List<double?> Values(IReadOnlyDictionary<string, RunFiles[]> runs, string target, FigureRow row) =>
        [.. Runs(runs, target).Select(run => run.Exists ? row.Read(run) : null)];
}
