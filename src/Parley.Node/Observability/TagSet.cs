using System.Text;

namespace Parley.Node.Observability;

/// <summary>
/// The tags of one series, as a dictionary key. Two measurements carry the same tag set when they
/// have the same keys with equal values, in any order. The Prometheus label text is built once, when
/// the series is first seen, never per measurement.
/// </summary>
internal sealed class TagSet
{
    public static readonly TagSet Empty = new([]);

    private readonly KeyValuePair<string, object?>[] _tags;

    private TagSet(KeyValuePair<string, object?>[] tags)
    {
        Array.Sort(tags, static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        _tags = tags;
        Hash = HashOf(tags);
        Labels = BuildLabels(tags);
    }

    /// <summary>Labels as <c>a="x",b="y"</c>, without braces; empty when there are none.</summary>
    public string Labels { get; }

    public int Hash { get; }

    public static TagSet From(ReadOnlySpan<KeyValuePair<string, object?>> tags) =>
        tags.IsEmpty ? Empty : new TagSet(tags.ToArray());

    /// <summary>Order-independent, so the same tags passed in another order land in the same series.</summary>
    public static int HashOf(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var hash = tags.Length;
        foreach (var tag in tags)
        {
            hash = unchecked(hash + HashCode.Combine(tag.Key, tag.Value));
        }

        return hash;
    }

    public bool Matches(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.Length != _tags.Length)
        {
            return false;
        }

        foreach (var tag in tags)
        {
            if (!Contains(tag))
            {
                return false;
            }
        }

        return true;
    }

    public bool Matches(TagSet other) => ReferenceEquals(this, other) || (other.Hash == Hash && Matches(other._tags));

    private bool Contains(KeyValuePair<string, object?> tag)
    {
        foreach (var own in _tags)
        {
            if (string.Equals(own.Key, tag.Key, StringComparison.Ordinal) && Equals(own.Value, tag.Value))
            {
                return true;
            }
        }

        return false;
    }

    // A label whose sanitised name repeats an earlier one is left out: the text format forbids
    // duplicate label names, and the first one (in key order) is the one kept.
    private static string BuildLabels(KeyValuePair<string, object?>[] tags)
    {
        if (tags.Length == 0)
        {
            return string.Empty;
        }

        var text = new StringBuilder();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var tag in tags)
        {
            var name = PrometheusNames.LabelName(tag.Key);
            if (!names.Add(name))
            {
                continue;
            }

            if (text.Length > 0)
            {
                text.Append(',');
            }

            text.Append(name).Append("=\"");
            PrometheusNames.AppendLabelValue(text, tag.Value);
            text.Append('"');
        }

        return text.ToString();
    }
}
