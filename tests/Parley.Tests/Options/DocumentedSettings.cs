using System.Text.RegularExpressions;
using Parley.Tests.Bench;

namespace Parley.Tests.Options;

/// <summary>
/// The configuration keys a page of docs/ documents in its tables: a section heading names its
/// prefix (<c>## Limits (`Parley:Limits`)</c>) and each row's first cell the keys below it. A
/// tenant placeholder becomes a real tenant id and a list index placeholder (<c>{n}</c>) the first index; a key ending in <c>…</c> stands for the settings the
/// row's text names; <c>…:Key</c> continues the key before it.
/// </summary>
internal static partial class DocumentedSettings
{
    public static IReadOnlyList<string> Keys(string page, string root)
    {
        var keys = new List<string>();
        string? prefix = null;
        foreach (var line in File.ReadLines(Path.Combine(PeersProcess.RepositoryRoot(), "docs", page)))
        {
            if (line.StartsWith("## ", StringComparison.Ordinal))
            {
                var heading = SectionPrefix().Match(line);
                prefix = heading.Success && heading.Groups[1].Value.StartsWith(root, StringComparison.Ordinal) ? heading.Groups[1].Value : null;
                continue;
            }

            if (!line.StartsWith("| `", StringComparison.Ordinal))
            {
                continue;
            }

            var cells = line.Split('|');
            string? previous = null;
            foreach (Match code in Code().Matches(cells[1]))
            {
                var key = code.Groups[1].Value.Replace("{tenant}", "acme", StringComparison.Ordinal).Replace("{n}", "0", StringComparison.Ordinal);
                if (key.StartsWith("…:", StringComparison.Ordinal) && previous is not null)
                {
                    key = previous[..previous.LastIndexOf(':')] + key[1..];
                }

                var full = key.StartsWith(root + ":", StringComparison.Ordinal) ? key : prefix is null ? null : prefix + ":" + key;
                if (full is null)
                {
                    continue;
                }

                if (full.EndsWith(":…", StringComparison.Ordinal))
                {
                    keys.AddRange(Code().Matches(cells[^2]).Select(m => m.Groups[1].Value).Where(name => SettingName().IsMatch(name)).Select(name => full[..^1] + name));
                }
                else
                {
                    keys.Add(full);
                }

                previous = key;
            }
        }

        return keys;
    }

    [GeneratedRegex(@"\(`(Parley[A-Za-z]*(?::[A-Za-z]+)*)`\)")]
    private static partial Regex SectionPrefix();

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex Code();

    [GeneratedRegex("^[A-Z][A-Za-z]+$")]
    private static partial Regex SettingName();
}
