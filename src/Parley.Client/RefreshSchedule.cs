namespace Parley.Client;

/// <summary>When to refresh a token so that the connection never reaches its expiry.</summary>
internal static class RefreshSchedule
{
    public static readonly TimeSpan TooLate = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The wait before refreshing: until <paramref name="margin"/> before <paramref name="expires"/>,
    /// or half the remaining life when that is already shorter than the margin (so a short-lived
    /// token is refreshed once per half-life rather than in a tight loop). Null within
    /// <see cref="TooLate"/> of the expiry: the server then closes with 4003 and the reconnect
    /// fetches a new token, which is cheaper than a burst of last-moment refreshes.
    /// </summary>
    public static TimeSpan? DelayBeforeRefresh(DateTimeOffset expires, DateTimeOffset now, TimeSpan margin)
    {
        var remaining = expires - now;
        if (remaining <= TooLate)
        {
            return null;
        }

        var beforeMargin = remaining - margin;
        return beforeMargin >= TimeSpan.Zero ? beforeMargin : remaining / 2;
    }
}
