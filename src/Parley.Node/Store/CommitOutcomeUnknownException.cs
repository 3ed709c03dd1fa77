namespace Parley.Node.Store;

/// <summary>
/// A commit was handed to the store but not confirmed: it overran <c>Store:CommitTimeout</c>, or
/// the connection was lost while committing. The messages may or may not be stored; a retry with
/// the same message ids never stores them twice and answers with their sequences if they were.
/// </summary>
public sealed class CommitOutcomeUnknownException(string message, Exception? inner = null) : StoreUnavailableException(message, inner);
