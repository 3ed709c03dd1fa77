namespace Parley.Node.Limits;

/// <summary>
/// Connection slots of embedded mode. One lock makes check-and-add atomic. A user is online in a
/// tenant while their slot count there is above zero, so the online count moves only when a user's
/// count leaves or reaches zero. Expiry follows
/// <see cref="TimeProvider"/>: every call first removes the slots whose TTL has passed, through a
/// queue ordered by expiry, so counts never include a dead slot and memory holds only live ones
/// (plus one queue item per acquire or renew within the last TTL).
/// </summary>
internal sealed class MemoryConnectionLimiter(TimeProvider clock) : IConnectionLimiter
{
    private readonly object _gate = new();
    private readonly Dictionary<ConnectionSlot, DateTimeOffset> _expiries = [];
    private readonly Dictionary<(string Tenant, string User), int> _users = [];
    private readonly Dictionary<string, int> _tenants = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _onlineUsers = new(StringComparer.Ordinal);

    /// <summary>Expiry times as set; stale ones (renewed or released slots) are skipped when they come due.</summary>
    private readonly PriorityQueue<ConnectionSlot, DateTimeOffset> _due = new();

    /// <summary>Slots, counters and pending expiry times held, live or not yet pruned (tests).</summary>
    internal int TrackedEntries
    {
        get
        {
            lock (_gate)
            {
                return _expiries.Count + _due.Count + _users.Count + _tenants.Count + _onlineUsers.Count;
            }
        }
    }

    public Task<SlotResult> TryAcquireAsync(ConnectionSlot slot, ConnectionQuota quota, TimeSpan ttl, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var now = clock.GetUtcNow();
            Expire(now);

            // A slot already held is counted once: acquiring it again only renews it.
            if (!_expiries.ContainsKey(slot))
            {
                var user = (slot.Tenant, slot.User);
                var userCount = _users.GetValueOrDefault(user);
                if (!quota.PerUser.Allows(userCount + 1))
                {
                    return Task.FromResult(SlotResult.UserLimitReached);
                }

                var tenantCount = _tenants.GetValueOrDefault(slot.Tenant);
                if (!quota.PerTenant.Allows(tenantCount + 1))
                {
                    return Task.FromResult(SlotResult.TenantLimitReached);
                }

                var online = _onlineUsers.GetValueOrDefault(slot.Tenant);
                if (userCount == 0 && !quota.OnlineUsersPerTenant.Allows(online + 1))
                {
                    return Task.FromResult(SlotResult.OnlineUsersLimitReached);
                }

                _users[user] = userCount + 1;
                _tenants[slot.Tenant] = tenantCount + 1;
                if (userCount == 0)
                {
                    _onlineUsers[slot.Tenant] = online + 1;
                }
            }

            SetExpiry(slot, now + ttl);
            return Task.FromResult(SlotResult.Acquired);
        }
    }

    public Task<IReadOnlyList<ConnectionSlot>> RenewAsync(IReadOnlyList<ConnectionSlot> slots, TimeSpan ttl, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var now = clock.GetUtcNow();
            Expire(now);
            List<ConnectionSlot>? missing = null;
            foreach (var slot in slots)
            {
                if (_expiries.ContainsKey(slot))
                {
                    SetExpiry(slot, now + ttl);
                }
                else
                {
                    (missing ??= []).Add(slot);
                }
            }

            return Task.FromResult<IReadOnlyList<ConnectionSlot>>(missing ?? []);
        }
    }

    public Task ReleaseAsync(ConnectionSlot slot, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Expire(clock.GetUtcNow());
            Drop(slot);
            return Task.CompletedTask;
        }
    }

    public Task<int> CountUserAsync(string tenant, string user, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Expire(clock.GetUtcNow());
            return Task.FromResult(_users.GetValueOrDefault((tenant, user)));
        }
    }

    public Task<int> CountTenantAsync(string tenant, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Expire(clock.GetUtcNow());
            return Task.FromResult(_tenants.GetValueOrDefault(tenant));
        }
    }

    public Task<int> CountOnlineUsersAsync(string tenant, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Expire(clock.GetUtcNow());
            return Task.FromResult(_onlineUsers.GetValueOrDefault(tenant));
        }
    }

    private void SetExpiry(ConnectionSlot slot, DateTimeOffset expiresAt)
    {
        _expiries[slot] = expiresAt;
        _due.Enqueue(slot, expiresAt);
    }

    private void Expire(DateTimeOffset now)
    {
        while (_due.TryPeek(out var slot, out var dueAt) && dueAt <= now)
        {
            _due.Dequeue();
            if (_expiries.TryGetValue(slot, out var expiresAt) && expiresAt <= now)
            {
                Drop(slot);
            }
        }
    }

    private void Drop(ConnectionSlot slot)
    {
        if (!_expiries.Remove(slot))
        {
            return;
        }

        if (Decrement(_users, (slot.Tenant, slot.User)))
        {
            // That was the user's last slot in the tenant: they are offline now.
            Decrement(_onlineUsers, slot.Tenant);
        }

        Decrement(_tenants, slot.Tenant);
    }

    /// <summary>True when the count reached zero and its entry was removed.</summary>
    private static bool Decrement<TKey>(Dictionary<TKey, int> counts, TKey key)
        where TKey : notnull
    {
        var left = counts[key] - 1;
        if (left == 0)
        {
            counts.Remove(key);
            return true;
        }

        counts[key] = left;
        return false;
    }
}
