namespace Parley.Node.Auth;

/// <summary>Why a token was refused, as the node's log names it.</summary>
internal enum RefusalCause
{
    /// <summary>Not a well-formed JWS, or its claims are missing or malformed.</summary>
    Malformed,

    /// <summary>No key the node holds matches its algorithm and key id.</summary>
    UnknownKey,

    /// <summary>A key matches, but the signature does not verify: signed with another key.</summary>
    BadSignature,

    /// <summary>Issued by someone else, for someone else, or for another tenant than its key's.</summary>
    WrongIssuerOrAudience,

    /// <summary>Past its expiry, or not valid yet.</summary>
    Expired,
}

/// <summary>
/// Bounds the token-refusal log so a flood of bad tokens cannot fill the disk: per cause, one line
/// per <see cref="Interval"/> at most, and that line counts the refusals not logged since the one
/// before. Lock-free; a race at the window's edge costs at most one extra line.
/// </summary>
internal sealed class RefusalLog(TimeProvider clock)
{
    /// <summary>At most one line per cause in this long: 5 causes, so at most 30 lines a minute.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    private readonly long[] _nextAllowed = new long[Enum.GetValues<RefusalCause>().Length];
    private readonly long[] _suppressed = new long[Enum.GetValues<RefusalCause>().Length];

    /// <summary>True when this refusal may be logged; <paramref name="suppressed"/> is how many were not since the last line.</summary>
    public bool TryTake(RefusalCause cause, out long suppressed)
    {
        var index = (int)cause;
        var now = clock.GetTimestamp();
        var next = Volatile.Read(ref _nextAllowed[index]);
        if (now >= next && Interlocked.CompareExchange(ref _nextAllowed[index], now + (long)(Interval.TotalSeconds * clock.TimestampFrequency), next) == next)
        {
            suppressed = Interlocked.Exchange(ref _suppressed[index], 0);
            return true;
        }

        Interlocked.Increment(ref _suppressed[index]);
        suppressed = 0;
        return false;
    }
}
