namespace Parley.Node.Broker;

/// <summary>
/// A publish the broker did not take: it is disconnected, or its outbox is full. The message is
/// already in the store; other nodes read it from there (their head checks and gap fills).
/// </summary>
internal sealed class BrokerUnavailableException(string message) : Exception(message);
