using Parley.Node.Tenancy;

namespace Parley.Node.Auth;

/// <summary>
/// The rooms a principal may join and publish to, from the token's <c>rooms</c> claim: each entry
/// is an exact room name, a prefix ending in <c>*</c> (<c>team-*</c>), or <c>*</c> for every room
/// of the tenant. A token without the claim gets <see cref="None"/>: no room at all, only direct
/// messages. Access is never granted by omission.
/// </summary>
public sealed class RoomPatterns
{
    private readonly string[] _exact;
    private readonly string[] _prefixes;
    private readonly bool _all;

    private RoomPatterns(string[] exact, string[] prefixes, bool all)
    {
        _exact = exact;
        _prefixes = prefixes;
        _all = all;
    }

    public static RoomPatterns None { get; } = new([], [], false);

    public static RoomPatterns All { get; } = new([], [], true);

    /// <summary>The patterns as given, for display and for minting tokens.</summary>
    public IReadOnlyList<string> Source => _all ? ["*"] : [.. _exact, .. _prefixes.Select(p => p + "*")];

    /// <summary>Parses patterns; false when any entry is not a valid name or prefix pattern.</summary>
    public static bool TryParse(IEnumerable<string> patterns, out RoomPatterns result)
    {
        var exact = new List<string>();
        var prefixes = new List<string>();
        var all = false;
        result = None;
        foreach (var pattern in patterns)
        {
            if (pattern == "*")
            {
                all = true;
            }
            else if (pattern.EndsWith('*'))
            {
                var prefix = pattern[..^1];
                if (!Identifiers.IsValid(prefix))
                {
                    return false;
                }

                prefixes.Add(prefix);
            }
            else if (Identifiers.IsValid(pattern))
            {
                exact.Add(pattern);
            }
            else
            {
                return false;
            }
        }

        result = new RoomPatterns([.. exact], [.. prefixes], all);
        return true;
    }

    /// <summary>Whether <paramref name="room"/> (already a valid identifier) is allowed.</summary>
    public bool Allows(string room)
    {
        if (_all)
        {
            return true;
        }

        foreach (var name in _exact)
        {
            if (string.Equals(name, room, StringComparison.Ordinal))
            {
                return true;
            }
        }

        foreach (var prefix in _prefixes)
        {
            if (room.StartsWith(prefix, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
