namespace Parley.Node.Limits;

/// <summary>
/// A tenant's publish rate, shared by its WebSocket sends and signals and its HTTP publishes, on
/// every node together. The rate is passed on each call, so an edited quota applies to the next
/// publish; 0 or less means unlimited and never refuses. An idle tenant may publish up to one
/// second's worth at once (at least one publish); after that, publishes are admitted at the rate.
/// </summary>
public interface IPublishRateLimiter
{
    /// <summary>Takes one publish from <paramref name="tenant"/>'s rate; false when the rate is used up (the caller refuses the publish).</summary>
    ValueTask<bool> TryTakeAsync(string tenant, double perSecond, CancellationToken cancellationToken);
}
