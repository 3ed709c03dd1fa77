using System.Text.Json;
using System.Text.Json.Serialization;

namespace Parley.Bench.Comparison;

/// <summary>
/// What <c>bench/compare</c> ran for one scenario, written beside the runs as <c>report.json</c> so
/// the report can be rendered (and rendered again) from the directory alone. Run directories are
/// named by <see cref="RunDirectory"/>: the target alone for a single round (the shape results had
/// before rounds existed), <c>&lt;target&gt;-&lt;round&gt;</c> from 1 up otherwise.
/// </summary>
internal sealed record ComparisonManifest
{
    public const string FileName = "report.json";

    /// <summary>idle, broadcast, fanout-mix, dm, reconnect-storm or churn: chooses the table's rows.</summary>
    public required string Scenario { get; init; }

    /// <summary>The day of the run (UTC), for the title.</summary>
    public required string Date { get; init; }

    /// <summary>How many times each target ran (<c>--repeat</c>), interleaved round by round.</summary>
    public int Rounds { get; init; } = 1;

    /// <summary>Where the runs are, relative to the repository, for the report's last line.</summary>
    public required string Directory { get; init; }

    /// <summary>Lines before the tables: the workload, the machine, the versions, the load average.</summary>
    public IReadOnlyList<string> Preamble { get; init; } = [];

    public IReadOnlyList<ComparisonSection> Sections { get; init; } = [];

    public static string RunDirectory(string target, int round, int rounds) => rounds <= 1 ? target : $"{target}-{round}";

    /// <summary>Reads <c>report.json</c> from <paramref name="directory"/>; throws <see cref="InvalidDataException"/> for a file that is not one.</summary>
    public static ComparisonManifest Read(string directory)
    {
        var path = Path.Combine(directory, FileName);
        try
        {
            var manifest = JsonSerializer.Deserialize(File.ReadAllBytes(path), ComparisonManifestJson.Default.ComparisonManifest)
                ?? throw new InvalidDataException($"{path} is empty.");
            if (manifest.Rounds < 1)
            {
                throw new InvalidDataException($"{path}: rounds must be at least 1.");
            }

            // Lists the file leaves out are empty, not null, whatever the serializer made of them.
            return manifest with
            {
                Preamble = manifest.Preamble ?? [],
                Sections = [.. (manifest.Sections ?? []).Select(s => s with { Intro = s.Intro ?? [], Others = s.Others ?? [] })],
            };
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is not a comparison manifest: {e.Message}", e);
        }
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, ReadCommentHandling = JsonCommentHandling.Skip)]
[JsonSerializable(typeof(ComparisonManifest))]
internal sealed partial class ComparisonManifestJson : JsonSerializerContext;
