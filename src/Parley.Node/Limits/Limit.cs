namespace Parley.Node.Limits;

/// <summary>
/// A limit as a value: either unlimited or a quota of N. Configuration writes a number, 0 meaning
/// unlimited, so that "no limit" is a choice someone made rather than a missing setting.
/// </summary>
public readonly record struct Limit
{
    private Limit(long? quota) => Quota = quota;

    public static Limit Unlimited { get; } = new(null);

    /// <summary>The maximum, or null when unlimited.</summary>
    public long? Quota { get; }

    public bool IsUnlimited => Quota is null;

    public static Limit Of(long quota) => quota switch
    {
        < 0 => throw new ArgumentOutOfRangeException(nameof(quota), "A limit cannot be negative."),
        0 => Unlimited,
        _ => new Limit(quota),
    };

    /// <summary>True when <paramref name="count"/> items are allowed.</summary>
    public bool Allows(long count) => Quota is null || count <= Quota.Value;

    public override string ToString() => Quota?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unlimited";
}
