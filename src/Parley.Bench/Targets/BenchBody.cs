using System.Text.Json;

namespace Parley.Bench.Targets;

/// <summary>The body every target relays unchanged: <c>{"p":…,"n":…,"t":…,"x":"…"}</c> (README.md).</summary>
internal static class BenchBody
{
    public static void Write(Utf8JsonWriter writer, BenchMessage message, string padding)
    {
        writer.WriteStartObject();
        writer.WriteNumber("p"u8, message.Publisher);
        writer.WriteNumber("n"u8, message.Counter);
        writer.WriteNumber("t"u8, message.SentTicks);
        if (padding.Length > 0)
        {
            writer.WriteString("x"u8, padding);
        }

        writer.WriteEndObject();
    }

    /// <summary>Reads the body the reader is positioned on (its StartObject) through its EndObject. False when it is not a bench body.</summary>
    public static bool TryRead(ref Utf8JsonReader reader, out int publisher, out long counter, out long sentTicks)
    {
        publisher = -1;
        counter = 0;
        sentTicks = 0;
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return false;
        }

        var found = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.ValueSpan;
            reader.Read();
            if (name.SequenceEqual("p"u8) && reader.TokenType == JsonTokenType.Number)
            {
                publisher = reader.GetInt32();
                found++;
            }
            else if (name.SequenceEqual("n"u8) && reader.TokenType == JsonTokenType.Number)
            {
                counter = reader.GetInt64();
                found++;
            }
            else if (name.SequenceEqual("t"u8) && reader.TokenType == JsonTokenType.Number)
            {
                sentTicks = reader.GetInt64();
                found++;
            }
            else
            {
                reader.Skip();
            }
        }

        return found == 3;
    }

    /// <summary>Padding that brings a body to about <paramref name="size"/> bytes of JSON (a body without it is about 40).</summary>
    public static string Padding(int size) => size > 48 ? new string('x', size - 48) : "";
}
