using System.Collections;
using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace Parley.Configuration;

/// <summary>
/// Finds the keys of a configuration section that no property of its options type takes, so a
/// misspelt setting (<c>Limits:ConectionsPerUser</c>) is reported at start instead of silently
/// ignored by the binder. The known keys come from the options type by reflection: every public
/// settable property, nested option classes, list items by index, and dictionary-valued sections
/// (per-tenant overrides) whose keys are free. Names match without regard to case, as the binder's do.
/// Used by the node (<c>Parley</c>) and the auth service (<c>ParleyAuth</c>).
/// </summary>
public static class UnknownSettings
{
    /// <summary>A key no option takes, with its full path, and the known key nearest to it (edit distance).</summary>
    public sealed record Finding(string Key, string Nearest);

    /// <summary>The known keys of <paramref name="options"/>, relative to its section; free segments written <c>{key}</c>, list indices <c>{n}</c>.</summary>
    public static IReadOnlyList<string> KnownKeys(Type options)
    {
        var keys = new List<string>();
        Collect(options, "", keys, depth: 0);
        return keys;
    }

    /// <summary>Every key with a value under <paramref name="section"/> that binding to <paramref name="options"/> would drop, in key order.</summary>
    public static IReadOnlyList<Finding> Find(IConfigurationSection section, Type options)
    {
        var known = KnownKeys(options);
        var findings = new List<Finding>();
        foreach (var (relative, value) in section.AsEnumerable(makePathsRelative: true).OrderBy(e => e.Key, StringComparer.OrdinalIgnoreCase))
        {
            if (value is null || relative.Length == 0)
            {
                continue;
            }

            var segments = relative.Split(ConfigurationPath.KeyDelimiter);
            if (!Takes(options, segments, 0))
            {
                findings.Add(new Finding(section.Path + ConfigurationPath.KeyDelimiter + relative, section.Path + ConfigurationPath.KeyDelimiter + Nearest(segments, known)));
            }
        }

        return findings;
    }

    private static bool Takes(Type type, string[] segments, int index)
    {
        if (index == segments.Length)
        {
            return true;
        }

        if (IsScalar(type))
        {
            return false;
        }

        if (DictionaryValue(type) is { } value)
        {
            return Takes(value, segments, index + 1);
        }

        if (ListItem(type) is { } item)
        {
            return int.TryParse(segments[index], out var n) && n >= 0 && Takes(item, segments, index + 1);
        }

        var property = Settable(type).FirstOrDefault(p => string.Equals(p.Name, segments[index], StringComparison.OrdinalIgnoreCase));
        return property is not null && Takes(property.PropertyType, segments, index + 1);
    }

    private static void Collect(Type type, string prefix, List<string> keys, int depth)
    {
        if (IsScalar(type) || depth > 8)
        {
            keys.Add(prefix);
            return;
        }

        if (DictionaryValue(type) is { } value)
        {
            Collect(value, Join(prefix, "{key}"), keys, depth + 1);
            return;
        }

        if (ListItem(type) is { } item)
        {
            Collect(item, Join(prefix, "{n}"), keys, depth + 1);
            return;
        }

        foreach (var property in Settable(type))
        {
            Collect(property.PropertyType, Join(prefix, property.Name), keys, depth + 1);
        }
    }

    /// <summary>The known key least distant from the unknown one, its free segments filled with the unknown key's own.</summary>
    private static string Nearest(string[] segments, IReadOnlyList<string> known)
    {
        var unknown = string.Join(ConfigurationPath.KeyDelimiter, segments);
        var best = "";
        var bestDistance = int.MaxValue;
        foreach (var template in known)
        {
            var parts = template.Split(ConfigurationPath.KeyDelimiter);
            for (var i = 0; i < parts.Length && i < segments.Length; i++)
            {
                if (parts[i] is "{key}" || (parts[i] is "{n}" && int.TryParse(segments[i], out _)))
                {
                    parts[i] = segments[i];
                }
            }

            var candidate = string.Join(ConfigurationPath.KeyDelimiter, parts);
            var distance = EditDistance(unknown.ToUpperInvariant(), candidate.ToUpperInvariant());
            if (distance < bestDistance)
            {
                (best, bestDistance) = (candidate, distance);
            }
        }

        return best;
    }

    /// <summary>Levenshtein distance: insertions, deletions and substitutions, one each.</summary>
    internal static int EditDistance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j], current[j - 1]) + 1);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }

    private static string Join(string prefix, string name) => prefix.Length == 0 ? name : prefix + ConfigurationPath.KeyDelimiter + name;

    private static IEnumerable<PropertyInfo> Settable(Type type)
        => type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite && p.GetIndexParameters().Length == 0);

    private static bool IsScalar(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(TimeSpan)
            || type == typeof(DateTime) || type == typeof(DateTimeOffset) || type == typeof(Guid) || type == typeof(Uri);
    }

    private static Type? DictionaryValue(Type type)
    {
        var dictionary = type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IDictionary<,>)
            ? type
            : type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IDictionary<,>));
        return dictionary?.GetGenericArguments()[1];
    }

    private static Type? ListItem(Type type)
    {
        if (type.IsArray)
        {
            return type.GetElementType();
        }

        if (type == typeof(string) || !typeof(IEnumerable).IsAssignableFrom(type))
        {
            return null;
        }

        return type.GetInterfaces().Append(type).FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>))?.GetGenericArguments()[0];
    }
}
