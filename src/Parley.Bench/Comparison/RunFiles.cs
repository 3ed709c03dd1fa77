using System.Text.Json;

namespace Parley.Bench.Comparison;

/// <summary>
/// What one run of <c>bench/compare</c> left in its directory: the generator's <c>result.json</c>,
/// compare's own <c>server.json</c> (exit code, peak resident memory, CPU from /proc) and, for an
/// idle run, <c>ws-idle.json</c> from the Node <c>ws</c> client (bench/idle-ws). A file that is
/// missing or unreadable is null, so its figures show as missing instead of failing the report.
/// </summary>
internal sealed class RunFiles
{
    public const string ResultFile = "result.json";
    public const string ServerFile = "server.json";
    public const string WsIdleFile = "ws-idle.json";

    private RunFiles(JsonElement? result, JsonElement? server, JsonElement? wsIdle)
    {
        Result = result;
        Server = server;
        WsIdle = wsIdle;
    }

    public JsonElement? Result { get; }

    public JsonElement? Server { get; }

    public JsonElement? WsIdle { get; }

    /// <summary>Whether the run left anything at all (a target skipped in a round leaves nothing).</summary>
    public bool Exists => Result is not null || Server is not null || WsIdle is not null;

    /// <summary>The generator's completeness check passed and it exited with 0.</summary>
    public bool Passed => Result is { } r && r.ValueKind == JsonValueKind.Object && r.TryGetProperty("passed", out var p) && p.ValueKind == JsonValueKind.True && Exit == 0;

    /// <summary>The generator's exit code as compare recorded it.</summary>
    public int? Exit => Number(Server, "exit") is { } exit ? (int)exit : null;

    /// <summary>The first notes of a failed completeness check.</summary>
    public IReadOnlyList<string> Notes(int count)
    {
        if (Result is { ValueKind: JsonValueKind.Object } r
            && r.TryGetProperty("completeness", out var c) && c.ValueKind == JsonValueKind.Object
            && c.TryGetProperty("notes", out var notes) && notes.ValueKind == JsonValueKind.Array)
        {
            return [.. notes.EnumerateArray().Where(n => n.ValueKind == JsonValueKind.String).Select(n => n.GetString()!).Take(count)];
        }

        return [];
    }

    public static RunFiles Read(string directory) =>
        new(Load(Path.Combine(directory, ResultFile)), Load(Path.Combine(directory, ServerFile)), Load(Path.Combine(directory, WsIdleFile)));

    /// <summary>The number at <paramref name="path"/> (property names, outermost first), or null when any step is missing or not a finite number.</summary>
    public static double? Number(JsonElement? root, params string[] path)
    {
        if (root is not { } element)
        {
            return null;
        }

        foreach (var name in path)
        {
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out element))
            {
                return null;
            }
        }

        return element.ValueKind == JsonValueKind.Number && element.TryGetDouble(out var value) && double.IsFinite(value) ? value : null;
    }

    private static JsonElement? Load(string path)
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            return document.RootElement.ValueKind == JsonValueKind.Object ? document.RootElement.Clone() : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
    }
}
