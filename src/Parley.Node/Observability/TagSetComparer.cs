namespace Parley.Node.Observability;

/// <summary>
/// Lets a series map be searched with the measurement's tag span directly, so recording into an
/// existing series allocates nothing; a <see cref="TagSet"/> is built only for a new series.
/// </summary>
internal sealed class TagSetComparer
    : IEqualityComparer<TagSet>, IAlternateEqualityComparer<ReadOnlySpan<KeyValuePair<string, object?>>, TagSet>
{
    public static readonly TagSetComparer Instance = new();

    public bool Equals(TagSet? x, TagSet? y) => x is null ? y is null : y is not null && x.Matches(y);

    public int GetHashCode(TagSet obj) => obj.Hash;

    public bool Equals(ReadOnlySpan<KeyValuePair<string, object?>> alternate, TagSet other) => other.Matches(alternate);

    public int GetHashCode(ReadOnlySpan<KeyValuePair<string, object?>> alternate) => TagSet.HashOf(alternate);

    public TagSet Create(ReadOnlySpan<KeyValuePair<string, object?>> alternate) => TagSet.From(alternate);
}
