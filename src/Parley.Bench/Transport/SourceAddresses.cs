using System.Net;

namespace Parley.Bench.Transport;

/// <summary>
/// The local addresses connections are spread over, so a run is not capped by one address's
/// ephemeral ports (about 28,000 on Linux by default). Any 127.x.y.z address is local on Linux
/// without configuration.
/// </summary>
internal sealed class SourceAddresses
{
    private readonly IPAddress[] _addresses;

    public SourceAddresses(IReadOnlyList<IPAddress> addresses)
    {
        if (addresses.Count == 0)
        {
            throw new ArgumentException("At least one source address is needed.", nameof(addresses));
        }

        _addresses = [.. addresses];
    }

    public IReadOnlyList<IPAddress> All => _addresses;

    /// <summary>Parses "127.0.0.1-127.0.0.16" (a range in the last octet) or a single address.</summary>
    public static bool TryParse(string text, out SourceAddresses? addresses)
    {
        addresses = null;
        var parts = text.Split('-', StringSplitOptions.TrimEntries);
        if (parts.Length is < 1 or > 2 || !IPAddress.TryParse(parts[0], out var first) || first.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
        {
            return false;
        }

        if (parts.Length == 1)
        {
            addresses = new SourceAddresses([first]);
            return true;
        }

        if (!IPAddress.TryParse(parts[1], out var last) || last.AddressFamily != first.AddressFamily)
        {
            return false;
        }

        var a = first.GetAddressBytes();
        var b = last.GetAddressBytes();
        if (a[0] != b[0] || a[1] != b[1] || a[2] != b[2] || b[3] < a[3])
        {
            return false;
        }

        var list = new List<IPAddress>();
        for (int octet = a[3]; octet <= b[3]; octet++)
        {
            list.Add(new IPAddress([a[0], a[1], a[2], (byte)octet]));
        }

        addresses = new SourceAddresses(list);
        return true;
    }
}
