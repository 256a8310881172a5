//! Criterion benchmarks of the batch kernels, and of the streaming volume profile, on a seeded 100k-bar random
//! walk (ns/bar = time / 100k).

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const N: usize = 100_000;

/// A deterministic positive random walk with spreads and volumes (xorshift, no extra dependency).
fn bars() -> (Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>) {
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let (mut h, mut l, mut c, mut v) = (vec![], vec![], vec![], vec![]);
    let mut price = 100.0;
    for _ in 0..N {
        price *= 1.0 + (next() - 0.5) * 0.02;
        let spread = price * next() * 0.01;
        c.push(price);
        h.push(price + spread * next());
        l.push(price - spread * next());
        v.push((next() * 10_000.0).floor());
    }
    (h, l, c, v)
}

fn kernels(cr: &mut Criterion) {
    let (h, l, c, v) = bars();
    let mut o1 = vec![0.0; N];
    let mut o2 = vec![0.0; N];
    let mut o3 = vec![0.0; N];
    let mut g = cr.benchmark_group("batch");
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("sma30", |b| {
        b.iter(|| indicators::sma(black_box(&c), 30, &mut o1))
    });
    g.bench_function("ema30", |b| {
        b.iter(|| indicators::ema(black_box(&c), 30, &mut o1))
    });
    g.bench_function("wma30", |b| {
        b.iter(|| indicators::wma(black_box(&c), 30, &mut o1))
    });
    g.bench_function("rsi14", |b| {
        b.iter(|| indicators::rsi(black_box(&c), 14, &mut o1))
    });
    g.bench_function("roc10", |b| {
        b.iter(|| indicators::roc(black_box(&c), 10, &mut o1))
    });
    g.bench_function("stddev20", |b| {
        b.iter(|| indicators::stddev(black_box(&c), 20, 1.0, &mut o1))
    });
    g.bench_function("macd", |b| {
        b.iter(|| indicators::macd(black_box(&c), 12, 26, 9, &mut o1, &mut o2, &mut o3))
    });
    g.bench_function("bbands20", |b| {
        b.iter(|| indicators::bbands(black_box(&c), 20, 2.0, 2.0, &mut o1, &mut o2, &mut o3))
    });
    g.bench_function("trange", |b| {
        b.iter(|| indicators::trange(black_box(&h), &l, &c, &mut o1))
    });
    g.bench_function("atr14", |b| {
        b.iter(|| indicators::atr(black_box(&h), &l, &c, 14, &mut o1))
    });
    g.bench_function("cci14", |b| {
        b.iter(|| indicators::cci(black_box(&h), &l, &c, 14, &mut o1))
    });
    g.bench_function("stoch", |b| {
        b.iter(|| indicators::stoch(black_box(&h), &l, &c, 14, 3, 3, &mut o1, &mut o2))
    });
    g.bench_function("adx14", |b| {
        b.iter(|| indicators::adx(black_box(&h), &l, &c, 14, &mut o1, &mut o2, &mut o3))
    });
    g.bench_function("mfi14", |b| {
        b.iter(|| indicators::mfi(black_box(&h), &l, &c, &v, 14, &mut o1))
    });
    g.bench_function("obv", |b| {
        b.iter(|| indicators::obv(black_box(&c), &v, &mut o1))
    });
    g.finish();
}

/// The volume profile's `update` (the one streaming indicator that is not O(1) when the range moves): on the
/// walk, where the window's range moves on a good share of the bars, and on a flat series, where it never does.
fn streaming(cr: &mut Criterion) {
    let (_, _, c, v) = bars();
    let flat = vec![100.0; N];
    let mut g = cr.benchmark_group("streaming");
    g.throughput(Throughput::Elements(N as u64));
    for (name, price) in [
        ("volume_profile30x24_walk", &c),
        ("volume_profile30x24_flat", &flat),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| {
                let mut vp = indicators::VolumeProfile::new(30, 24).unwrap();
                let mut last = 0.0;
                for (&p, &q) in black_box(price).iter().zip(&v) {
                    last = vp.update(p, q);
                }
                last
            })
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(std::time::Duration::from_secs(1));
    targets = kernels, streaming
}
criterion_main!(benches);
