using System.Text.Json;

namespace Parley.Bench.Soak;

/// <summary>Writes a soak's files into its directory: soak.json (settings, samples, faults, verdict) and soak.svg.</summary>
internal static class SoakFiles
{
    public static async Task<(string Json, string Picture)> WriteAsync(SoakResult result, string directory, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        var json = Path.Combine(directory, "soak.json");
        var picture = Path.Combine(directory, "soak.svg");
        await File.WriteAllTextAsync(json, JsonSerializer.Serialize(result, SoakResultJson.Default.SoakResult), cancellationToken);
        await File.WriteAllTextAsync(picture, SoakPicture.Render(result), cancellationToken);
        return (json, picture);
    }
}
