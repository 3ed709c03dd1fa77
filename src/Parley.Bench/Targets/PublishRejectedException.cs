namespace Parley.Bench.Targets;

/// <summary>The server refused a publish with an error code (Parley's <c>error</c> frame) or the connection ended first (code "closed").</summary>
internal sealed class PublishRejectedException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;

    /// <summary>Refusals worth retrying with the same message id: the id makes the retry idempotent.</summary>
    public bool Retryable => Code is "rate_limited" or "store_unavailable" or "internal";
}
