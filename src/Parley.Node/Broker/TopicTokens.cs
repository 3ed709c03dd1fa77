using System.Security.Cryptography;
using System.Text;

namespace Parley.Node.Broker;

/// <summary>
/// Writes a topic (<c>t/{tenant}/{r|u}/{name}</c>) as '.'-separated tokens, the form of a RabbitMQ
/// routing key and of a NATS subject: each '/'-separated part becomes one token, in which every
/// UTF-8 byte other than an ASCII letter, digit, '-', '_' or ':' is written <c>%XX</c> (upper-case
/// hex), and an empty part is written <c>%</c>. So '.', '*', '#', '>' and white space never reach
/// the broker, and the mapping is one to one: two topics (of one tenant or of two) never share a
/// token string, and no topic's tokens can act as a wildcard. <c>t/acme/r/eu.general</c> is
/// <c>t.acme.r.eu%2Egeneral</c>.
/// </summary>
internal static class TopicTokens
{
    /// <summary>The first token of a hashed form: it never starts an encoded topic (whose '%' is always followed by a hex digit or ends the token).</summary>
    private const string HashedMarker = "%h";

    public static string Encode(string topic)
    {
        var builder = new StringBuilder(topic.Length + 8);
        var parts = topic.Split('/');
        for (var i = 0; i < parts.Length; i++)
        {
            if (i > 0)
            {
                builder.Append('.');
            }

            AppendToken(builder, parts[i]);
        }

        return builder.ToString();
    }

    /// <summary>
    /// <see cref="Encode"/>, unless that is longer than <paramref name="maxBytes"/>: then
    /// <c>%h.{SHA-256 of the topic, hex}</c> (67 bytes), which two topics share only by a SHA-256
    /// collision. RabbitMQ limits a routing key to 255 bytes; a topic of long names full of '.'
    /// goes past it.
    /// </summary>
    public static string Encode(string topic, int maxBytes)
    {
        var encoded = Encode(topic);
        return encoded.Length <= maxBytes
            ? encoded
            : HashedMarker + "." + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(topic)));
    }

    private static void AppendToken(StringBuilder builder, string part)
    {
        if (part.Length == 0)
        {
            builder.Append('%');
            return;
        }

        foreach (var b in Encoding.UTF8.GetBytes(part))
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or ':')
            {
                builder.Append(c);
            }
            else
            {
                builder.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }
    }
}
