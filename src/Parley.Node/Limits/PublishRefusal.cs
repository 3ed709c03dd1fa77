using Parley.Node.Protocol;

namespace Parley.Node.Limits;

/// <summary>
/// A publish a rate refused: an expected outcome under load, so it is returned, not thrown (a
/// client over its rate would otherwise cost the node an exception per message). The error code
/// is always <see cref="ErrorCodes.RateLimited"/>; <see cref="Message"/> names the rate.
/// </summary>
internal sealed class PublishRefusal
{
    private PublishRefusal(string message) => Message = message;

    /// <summary>The connection's own publish rate (<c>Limits:PublishesPerSecond</c> and its burst) is used up.</summary>
    public static PublishRefusal ConnectionRate { get; } = new("The connection's publish rate is exceeded; retry later.");

    /// <summary>The tenant's publish rate across the cluster (<c>TenantPublishesPerSecond</c>) is used up.</summary>
    public static PublishRefusal TenantRate { get; } = new("The tenant's publish rate is exceeded; retry later.");

    public string Code => ErrorCodes.RateLimited;

    public string Message { get; }
}
