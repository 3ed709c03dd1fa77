using System.Text.Json;
using System.Text.Json.Serialization;

namespace Parley.Bench.Measures;

/// <summary>
/// A <see cref="LatencyHistogram"/> as written to result.json: its non-empty buckets as
/// <c>[index, count]</c> pairs plus the exact count, sum, min and max, so histograms of separate
/// runs (the processes of one sharded run) merge exactly, as if one had recorded everything.
/// </summary>
internal sealed record HistogramBuckets(long Count, double Sum, long Min, long Max, [property: JsonConverter(typeof(HistogramBuckets.OneLineConverter))] IReadOnlyList<long[]> Buckets)
{
    /// <summary>Writes the pairs on one line: a run's thousand buckets would otherwise take four thousand lines of result.json.</summary>
    internal sealed class OneLineConverter : JsonConverter<IReadOnlyList<long[]>>
    {
        public override IReadOnlyList<long[]> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var pairs = new List<long[]>();
            if (reader.TokenType != JsonTokenType.StartArray)
            {
                throw new JsonException("Histogram buckets must be an array of [index, count] pairs.");
            }

            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                var pair = new List<long>(2);
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    pair.Add(reader.GetInt64());
                }

                if (pair.Count != 2)
                {
                    throw new JsonException("Histogram buckets must be an array of [index, count] pairs.");
                }

                pairs.Add([.. pair]);
            }

            return pairs;
        }

        public override void Write(Utf8JsonWriter writer, IReadOnlyList<long[]> value, JsonSerializerOptions options)
        {
            var text = new System.Text.StringBuilder("[");
            for (var i = 0; i < value.Count; i++)
            {
                text.Append(i == 0 ? "[" : ",[").Append(value[i][0]).Append(',').Append(value[i][1]).Append(']');
            }

            writer.WriteRawValue(text.Append(']').ToString(), skipInputValidation: true);
        }
    }
}
