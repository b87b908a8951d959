"""The strong-Wolfe line search of :class:`~framework.optim.LBFGS`, as PyTorch runs it.

:func:`strong_wolfe` follows PyTorch's ``_strong_wolfe`` (itself a port of
``lswolfe.lua`` from torch/optim): a bracketing phase that extrapolates the step until an
interval holds a point satisfying the strong Wolfe conditions, then a zoom phase that
shrinks the interval by cubic interpolation (:func:`cubic_interpolate`), stepping 10% of
the interval away from its ends when the interpolation makes too little progress.

Losses, directional derivatives and steps are Python floats; gradients are flat arrays
(numpy or cupy) that the search reads but never changes.
"""
import math

__all__ = ["cubic_interpolate", "strong_wolfe"]


def cubic_interpolate(x1, f1, g1, x2, f2, g2, bounds=None):
    """The minimiser of the cubic through two points with values and slopes.

    Args:
        x1, f1, g1: the first point, its value and its derivative.
        x2, f2, g2: the second point, its value and its derivative.
        bounds: ``(low, high)`` to clamp the result to; None: the interval between x1
            and x2.

    Returns:
        the clamped minimiser, or the middle of the bounds when the cubic has none.
    """
    if bounds is not None:
        low, high = bounds
    else:
        low, high = (x1, x2) if x1 <= x2 else (x2, x1)
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1 ** 2 - g1 * g2
    if d2_square >= 0:
        d2 = math.sqrt(d2_square)
        if x1 <= x2:
            min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
        else:
            min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
        return min(max(min_pos, low), high)
    return (low + high) / 2.0


def _dot(a, b):
    return float(a @ b)


def strong_wolfe(obj_func, x, t, d, f, g, gtd, c1=1e-4, c2=0.9, tolerance_change=1e-9,
                 max_ls=25):
    """Find a step ``t`` along ``d`` that satisfies the strong Wolfe conditions.

    Args:
        obj_func: ``obj_func(x, t, d) -> (loss, flat_grad)`` at ``x + t * d`` (leaving
            the parameters at ``x``).
        x: what ``obj_func`` restores the parameters to.
        t: the first step to try.
        d: the search direction (a flat array).
        f, g, gtd: loss, flat gradient and directional derivative ``g . d`` at ``t = 0``.
        c1: sufficient decrease (Armijo) constant.
        c2: curvature constant.
        tolerance_change: stop zooming once the interval times ``max |d|`` is smaller.
        max_ls: the most evaluations of ``obj_func``.

    Returns:
        ``(loss, flat_grad, t, evaluations)`` at the chosen step.
    """
    d_norm = float(abs(d).max())
    f_new, g_new = obj_func(x, t, d)
    ls_func_evals = 1
    gtd_new = _dot(g_new, d)

    # bracket an interval that holds a point satisfying the conditions
    t_prev, f_prev, g_prev, gtd_prev = 0, f, g, gtd
    done = False
    ls_iter = 0
    while ls_iter < max_ls:
        if f_new > (f + c1 * t * gtd) or (ls_iter > 1 and f_new >= f_prev):
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new], [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, bracket_f, bracket_g = [t], [f_new], [g_new]
            done = True
            break
        if gtd_new >= 0:
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new], [gtd_prev, gtd_new]
            break
        # extrapolate
        min_step = t + 0.01 * (t - t_prev)
        max_step = t * 10
        tmp = t
        t = cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new,
                              bounds=(min_step, max_step))
        t_prev, f_prev, g_prev, gtd_prev = tmp, f_new, g_new, gtd_new
        f_new, g_new = obj_func(x, t, d)
        ls_func_evals += 1
        gtd_new = _dot(g_new, d)
        ls_iter += 1
    if ls_iter == max_ls:
        bracket, bracket_f, bracket_g = [0, t], [f, f_new], [g, g_new]

    # zoom: shrink the bracket until a point in it satisfies the conditions
    insuf_progress = False
    low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = cubic_interpolate(bracket[0], bracket_f[0], bracket_gtd[0],
                              bracket[1], bracket_f[1], bracket_gtd[1])
        t, insuf_progress = _away_from_ends(t, bracket, insuf_progress)
        f_new, g_new = obj_func(x, t, d)
        ls_func_evals += 1
        gtd_new = _dot(g_new, d)
        ls_iter += 1

        if f_new > (f + c1 * t * gtd) or f_new >= bracket_f[low_pos]:
            # no sufficient decrease, or not below the lowest point: the new high end
            bracket[high_pos], bracket_f[high_pos] = t, f_new
            bracket_g[high_pos], bracket_gtd[high_pos] = g_new, gtd_new
            low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high_pos] - bracket[low_pos]) >= 0:
                # the old high end becomes the new low end
                bracket[high_pos], bracket_f[high_pos] = bracket[low_pos], bracket_f[low_pos]
                bracket_g[high_pos] = bracket_g[low_pos]
                bracket_gtd[high_pos] = bracket_gtd[low_pos]
            bracket[low_pos], bracket_f[low_pos] = t, f_new
            bracket_g[low_pos], bracket_gtd[low_pos] = g_new, gtd_new

    return bracket_f[low_pos], bracket_g[low_pos], bracket[low_pos], ls_func_evals


def _away_from_ends(t, bracket, insuf_progress):
    """Move ``t`` 10% of the bracket away from its nearest end when it lies that close
    and the previous trial also did (or ``t`` is at or beyond an end).

    Returns:
        ``(t, insuf_progress)``.
    """
    high, low = max(bracket), min(bracket)
    eps = 0.1 * (high - low)
    if not min(high - t, t - low) < eps:
        return t, False
    if insuf_progress or t >= high or t <= low:
        t = high - eps if abs(t - high) < abs(t - low) else low + eps
        return t, False
    return t, True
