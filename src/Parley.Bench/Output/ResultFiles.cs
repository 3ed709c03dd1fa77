using System.Text.Json;
using Parley.Bench.Running;

namespace Parley.Bench.Output;

/// <summary>Writes a run's files into its directory: result.json and result.svg.</summary>
internal static class ResultFiles
{
    public const string JsonName = "result.json";
    public const string PictureName = "result.svg";

    public static async Task<(string Json, string Picture)> WriteAsync(BenchResult result, string directory, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        var json = Path.Combine(directory, JsonName);
        var picture = Path.Combine(directory, PictureName);
        await File.WriteAllTextAsync(json, JsonSerializer.Serialize(result, BenchResultJson.Default.BenchResult), cancellationToken);
        await File.WriteAllTextAsync(picture, RunPicture.Render(result), cancellationToken);
        return (json, picture);
    }
}
