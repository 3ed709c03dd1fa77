using System.Text.Json;
using System.Text.Json.Serialization;
using Parley.Bench.Running;

namespace Parley.Bench.Sharding;

/// <summary>
/// The line protocol between a sharded run and its child processes. A child writes to its stdout
/// <c>@ready</c> when it reaches the start of its measured window, <c>@progress {json}</c> once a
/// second and <c>@ended</c> when its window ends; it reads <c>@go</c> on its stdin before it
/// measures. Any other line is ordinary output, shown by the parent as the shard's.
/// </summary>
internal static class ShardLines
{
    public const string Ready = "@ready";
    public const string Go = "@go";
    public const string Ended = "@ended";
    public const string ProgressPrefix = "@progress ";

    public static string Progress(ProgressSample sample) => ProgressPrefix + JsonSerializer.Serialize(sample, ShardJson.Default.ProgressSample);

    /// <summary>The sample of a <c>@progress</c> line; null for any other line or a malformed one.</summary>
    public static ProgressSample? ParseProgress(string line)
    {
        if (!line.StartsWith(ProgressPrefix, StringComparison.Ordinal))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(line.AsSpan(ProgressPrefix.Length), ShardJson.Default.ProgressSample);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(ProgressSample))]
internal sealed partial class ShardJson : JsonSerializerContext;
