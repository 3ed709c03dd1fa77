namespace Parley.Node.Observability;

/// <summary>Lock-free arithmetic on a shared <see cref="double"/>.</summary>
internal static class AtomicDouble
{
    /// <summary>
    /// Adds <paramref name="value"/> with a compare-and-swap loop. The exchange compares bits, and so
    /// does the loop, so a location that already holds NaN does not spin forever.
    /// </summary>
    public static void Add(ref double location, double value)
    {
        var seen = Volatile.Read(ref location);
        while (true)
        {
            var actual = Interlocked.CompareExchange(ref location, seen + value, seen);
            if (BitConverter.DoubleToInt64Bits(actual) == BitConverter.DoubleToInt64Bits(seen))
            {
                return;
            }

            seen = actual;
        }
    }
}
